/**
 * What every durable queue behind a queue worker must do, run against each real server by
 * queue-postgres.test.ts and queue-redis.test.ts: order, delays, keys, retries and dead
 * letters, stop with jobs in flight, an unreachable server, dropped connections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { shutdown } from '../../src/actors/shutdown.ts';
import { getTree } from '../../src/actors/tree.ts';
import { createTreeMetrics } from '../../src/control/metrics.ts';
import { silentLogger } from '../../src/core/logger.ts';
import type { SupervisorReport } from '../../src/core/reports.ts';
import { DurableConnectionError } from '../../src/durable/connection-error.ts';
import { DurableLeaseLostError } from '../../src/durable/lease.ts';
import { createPostgresQueue } from '../../src/durable/postgres/index.ts';
import { createRedisQueue } from '../../src/durable/redis/index.ts';
import { createQueueWorker } from '../../src/kinds/queue-worker.ts';
import { createSupervisor } from '../../src/machines/supervisor.ts';
import {
  type BackendKind,
  gate,
  PG,
  restartingRoot,
  type TestBackend,
  testBackend,
  until,
} from './queue-helpers.ts';

export function durableQueueContract(kind: BackendKind): void {
  let backend: TestBackend;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  beforeAll(() => {
    backend = testBackend(kind);
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await backend.cleanup();
    expect(unhandled).toEqual([]);
  });

  describe(`${kind} queue worker: delivery order`, () => {
    it('takes jobs by priority, oldest first among equals', async () => {
      const queue = backend.create<string>({ name: 'order' });
      for (const [task, priority] of [
        ['a', 0],
        ['b', 5],
        ['c', 0],
        ['d', 5],
        ['e', -1],
      ] as const) {
        await queue.enqueue(task, { priority });
      }
      const handled: string[] = [];
      const worker = createQueueWorker({
        id: 'order',
        logger: silentLogger,
        queue,
        handle: (task: string) => {
          handled.push(task);
        },
      });
      const actor = createActor(worker).start();
      await until(() => handled.length === 5, 'five jobs');
      expect(handled).toEqual(['b', 'd', 'a', 'c', 'e']);
      await shutdown(actor);
    });

    it('holds a delayed job back, behind a job enqueued after it', async () => {
      const queue = backend.create<string>({ name: 'delay' });
      const handled: string[] = [];
      const worker = createQueueWorker({
        id: 'delay',
        logger: silentLogger,
        queue,
        handle: (task: string) => {
          handled.push(task);
        },
      });
      const actor = createActor(worker).start();
      await queue.enqueue('later', { delay: 1_500, priority: 10 });
      await queue.enqueue('now');
      await until(() => handled.length === 2, 'both jobs');
      expect(handled).toEqual(['now', 'later']);
      await shutdown(actor);
    });

    it('adds nothing for a job key already queued, and handles the job once', async () => {
      const queue = backend.create<string>({ name: 'keys' });
      const first = await queue.enqueue('charge 42', { key: 'order-42' });
      const again = await queue.enqueue('charge 42 again', { key: 'order-42' });
      const other = await queue.enqueue('charge 43', { key: 'order-43' });
      expect(typeof first).toBe('string');
      expect(again).toBeNull();
      expect(typeof other).toBe('string');
      const handled: string[] = [];
      const worker = createQueueWorker({
        id: 'keys',
        logger: silentLogger,
        queue,
        handle: (task: string) => {
          handled.push(task);
        },
      });
      const actor = createActor(worker).start();
      await until(() => handled.length === 2, 'two jobs');
      expect(await queue.enqueue('charge 42 later', { key: 'order-42' })).toBeNull();
      await shutdown(actor);
      expect(handled.sort()).toEqual(['charge 42', 'charge 43']);
    });
  });

  describe(`${kind} queue worker: failures`, () => {
    it('retries a failing job, then dead-letters it; every failure counts toward maxFailures; getTree and /metrics show it', async () => {
      const queue = backend.create<string>({
        name: 'retry',
        retry: { attempts: 3, backoff: 'fixed', delay: kind === 'postgres' ? 1_000 : 50 },
      });
      let calls = 0;
      const worker = createQueueWorker({
        id: 'retry',
        logger: silentLogger,
        queue,
        maxFailures: 10,
        handle: () => {
          calls++;
          throw new Error('upstream down');
        },
      });
      const actor = createActor(worker).start();
      await queue.enqueue('doomed');
      await until(async () => (await queue.deadLetters()).length === 1, 'a dead letter');
      expect(calls).toBe(3);
      expect(getTree(actor).failures).toBe(3);
      const [dead] = await queue.deadLetters();
      expect(dead!.task).toBe('doomed');
      expect(JSON.stringify(dead!.error)).toContain('upstream down');
      await until(() => queue.stats()?.deadLetters === 1, 'the dead letter in the stats');
      expect(getTree(actor).details).toMatchObject({ backend: kind, deadLetters: 1 });
      const metrics = createTreeMetrics(actor);
      const text = await metrics.scrape();
      metrics.dispose();
      expect(text).toContain('xstate_supervisor_queue_dead_letters{path="/",kind="service"} 1');
      expect(text).toMatch(/xstate_supervisor_queue_queued\{path="\/",kind="service"\} 0/);
      expect(text).toMatch(/xstate_supervisor_queue_in_flight\{path="\/",kind="service"\} 0/);
      await shutdown(actor);
    });

    it('fails the worker over maxFailures; its supervisor restarts it and the job is retried', async () => {
      const queue = backend.create<number>({
        name: 'maxf',
        retry: { attempts: 5, backoff: 'fixed', delay: kind === 'postgres' ? 1_000 : 50 },
      });
      let calls = 0;
      const worker = createQueueWorker({
        id: 'maxf',
        logger: silentLogger,
        queue,
        maxFailures: 0,
        handle: () => {
          calls++;
          if (calls === 1) throw new Error('first try fails');
        },
      });
      const root = createActor(
        createSupervisor({
          id: 'root',
          strategy: 'one-for-one',
          logger: silentLogger,
          children: [worker],
        }),
      );
      const reports: SupervisorReport[] = [];
      root.on('*', (r) => reports.push(r as unknown as SupervisorReport));
      root.start();
      await queue.enqueue(1);
      await until(() => calls === 2, 'the retry');
      expect(reports.map((r) => r.type)).toContain('child.restarted');
      expect((await queue.deadLetters()).length).toBe(0);
      await shutdown(root);
    });
  });

  describe(`${kind} queue worker: stop`, () => {
    it('finishes the jobs in flight on stop and leaves the others in the server', async () => {
      const queue = backend.create<number>({ name: 'drain' });
      const release = gate();
      const started: number[] = [];
      const handled: number[] = [];
      const handle = async (n: number) => {
        started.push(n);
        await release.opened;
        handled.push(n);
      };
      for (let n = 0; n < 6; n++) await queue.enqueue(n);
      const worker = createQueueWorker({
        id: 'drain',
        logger: silentLogger,
        queue,
        concurrency: 2,
        handle,
      });
      const actor = createActor(worker).start();
      await until(() => started.length === 2, 'two jobs in flight');
      const stopping = shutdown(actor);
      release.open();
      await stopping;
      expect(handled.sort()).toEqual(started.sort());
      // A new worker (a replica, a restart) gets exactly the others.
      const rest: number[] = [];
      const next = createActor(
        createQueueWorker({
          id: 'drain2',
          logger: silentLogger,
          queue,
          concurrency: 2,
          handle: (n: number) => {
            rest.push(n);
          },
        }),
      ).start();
      await until(() => handled.length + rest.length === 6, 'every job');
      await shutdown(next);
      expect([...handled, ...rest].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('hands the jobs in flight back when the grace period runs out; another worker gets them', async () => {
      const queue = backend.create<number>({ name: 'handback' });
      const started: number[] = [];
      const stuck = createQueueWorker({
        id: 'stuck',
        logger: silentLogger,
        queue,
        concurrency: 2,
        gracePeriod: 200,
        handle: (n: number, ctx) =>
          new Promise<void>((_, reject) => {
            started.push(n);
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
          }),
      });
      await queue.enqueue(1);
      await queue.enqueue(2);
      const actor = createActor(stuck).start();
      await until(() => started.length === 2, 'both jobs in flight');
      await shutdown(actor);
      const handled: number[] = [];
      const next = createActor(
        createQueueWorker({
          id: 'next',
          logger: silentLogger,
          queue,
          handle: (n: number) => {
            handled.push(n);
          },
        }),
      ).start();
      await until(() => handled.length === 2, 'both jobs again');
      await shutdown(next);
      expect(handled.sort()).toEqual([1, 2]);
      expect(await queue.deadLetters()).toEqual([]);
    });
  });

  describe(`${kind} queue: several replicas`, () => {
    it('sets up one queue from several replicas at once on a store that has none of it yet', async () => {
      // Replicas of an app start together after a deploy; each sets up the same queue.
      const replicas = Array.from({ length: 6 }, () => backend.create<number>({ name: 'fresh' }));
      const jobs = await Promise.all(replicas.map((queue, i) => queue.enqueue(i)));
      expect(jobs.every((id) => typeof id === 'string')).toBe(true);
      expect(await backend.pendingJobs('fresh')).toBe(6);
    });
  });

  describe(`${kind} queue worker: connection trouble`, () => {
    it('fails a start with an error naming host and port; its supervisor restarts it until the server answers', async () => {
      const { queue, proxy } = await backend.behindProxy<string>({ name: 'down' });
      const handled: string[] = [];
      const worker = createQueueWorker({
        id: 'down',
        logger: silentLogger,
        queue,
        handle: (task: string) => {
          handled.push(task);
        },
      });
      const { root, failed } = restartingRoot([worker]);
      await until(() => getTree(root).children?.[0]?.state === 'running', 'the worker running');
      await proxy.down();
      root.send({ type: 'child.fail', id: 'down' });
      await until(() => failed.length >= 3, 'two failed restarts');
      const reason = failed[1]!.reason as DurableConnectionError;
      expect(reason).toBeInstanceOf(DurableConnectionError);
      expect(reason.code).toBe('DURABLE_UNREACHABLE');
      expect(reason.message).toContain(`127.0.0.1:${proxy.port}`);
      expect(reason.port).toBe(proxy.port);
      await proxy.up();
      await until(() => getTree(root).children?.[0]?.state === 'running', 'the worker restarted');
      await queue.enqueue('after the outage');
      await until(() => handled.length === 1, 'the job, once the server answers');
      await shutdown(root);
      await queue.close();
      await proxy.down();
    });

    it('fails a lone worker whose server does not answer at its first start, naming host and port', async () => {
      const queue =
        kind === 'postgres'
          ? createPostgresQueue<string>({
              name: 'nowhere',
              connection: { ...PG, port: 1, connectTimeout: 1_000 },
              logger: silentLogger,
            })
          : createRedisQueue<string>({
              name: 'nowhere',
              connection: { port: 1, connectTimeout: 1_000 },
              logger: silentLogger,
            });
      const actor = createActor(
        createQueueWorker({ id: 'nowhere', logger: silentLogger, queue, handle() {} }),
      ).start();
      await until(() => getTree(actor).state === 'failed', 'the failed start');
      expect(getTree(actor).lastError?.message).toMatch(/Cannot connect to .* at 127\.0\.0\.1:1 /);
      await expect(queue.enqueue('x')).rejects.toBeInstanceOf(DurableConnectionError);
      await queue.close();
    });

    it('goes on after the server drops every connection', async () => {
      const queue = backend.create<number>({ name: 'drop' });
      const handled: number[] = [];
      const worker = createQueueWorker({
        id: 'drop',
        logger: silentLogger,
        queue,
        handle: (n: number) => {
          handled.push(n);
        },
      });
      const actor = createActor(worker).start();
      await queue.enqueue(1);
      await until(() => handled.length === 1, 'the first job');
      expect(await backend.dropConnections()).toBeGreaterThan(0);
      await until(async () => {
        try {
          await queue.enqueue(2, { key: 'after-drop' });
          return true;
        } catch {
          return false;
        }
      }, 'an enqueue after the drop');
      await until(() => handled.includes(2), 'the job after the drop');
      expect(getTree(actor).state).toBe('running');
      await shutdown(actor);
    });

    it("aborts the handler's signal with DURABLE_LEASE_LOST when the server gives its job away, and the job runs again", async () => {
      const queue = backend.create<string>({ name: 'taken', lease: 1_000 });
      const started = gate();
      const reasons: unknown[] = [];
      const done: number[] = [];
      const actor = createActor(
        createQueueWorker({
          id: 'taken',
          logger: silentLogger,
          queue,
          async handle(_task: string, ctx) {
            if (reasons.length === 0 && done.length === 0 && !ctx.signal.aborted) {
              started.open();
              await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
              reasons.push(ctx.signal.reason);
              return;
            }
            done.push(1);
          },
        }),
      ).start();
      const id = (await queue.enqueue('contested'))!;
      await started.opened;
      await backend.takeBack('taken', id);
      await until(() => reasons.length === 1, 'the handler told its lease is lost');
      const reason = reasons[0] as DurableLeaseLostError;
      expect(reason).toBeInstanceOf(DurableLeaseLostError);
      expect(reason.code).toBe('DURABLE_LEASE_LOST');
      expect(reason.reason).toBe('taken');
      expect(reason.jobId).toBe(id);
      expect(reason.message).toContain('"taken"');
      await until(() => done.length === 1, 'the job delivered again and done');
      await until(async () => (await backend.pendingJobs('taken')) === 0, 'the job completed');
      // The loss was the handler's outcome: a failure, not a completion.
      expect(getTree(actor).failures).toBeGreaterThanOrEqual(1);
      await shutdown(actor);
    });

    it("aborts the handler's signal with DURABLE_LEASE_LOST when its lease runs out unextended while the server is away, and the job runs again once it is back", async () => {
      const { queue, proxy } = await backend.behindProxy<string>({ name: 'cut', lease: 1_000 });
      const started = gate();
      const reasons: unknown[] = [];
      const done: string[] = [];
      const worker = createQueueWorker({
        id: 'cut',
        logger: silentLogger,
        queue,
        // One slot: the worker takes nothing while the server is away, the handler holds it.
        concurrency: 1,
        async handle(task: string, ctx) {
          if (reasons.length === 0 && !ctx.signal.aborted) {
            started.open();
            await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
            reasons.push(ctx.signal.reason);
            return;
          }
          done.push(task);
        },
      });
      const { root } = restartingRoot([worker]);
      const id = (await queue.enqueue('long'))!;
      await started.opened;
      await proxy.down();
      await until(() => reasons.length === 1, 'the handler told its lease ran out');
      const reason = reasons[0] as DurableLeaseLostError;
      expect(reason).toBeInstanceOf(DurableLeaseLostError);
      expect(reason.code).toBe('DURABLE_LEASE_LOST');
      expect(reason.reason).toBe('expired');
      expect(reason.jobId).toBe(id);
      await proxy.up();
      await until(() => done.includes('long'), 'the job delivered again once the server is back');
      await until(async () => (await backend.pendingJobs('cut')) === 0, 'the job completed');
      await shutdown(root);
      await queue.close();
      await proxy.down();
    });
  });
}
