import { get } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type AnyActorRef, createActor } from 'xstate';
import { shutdown } from '../../src/actors/shutdown.ts';
import { getTree } from '../../src/actors/tree.ts';
import { SupervisorConfigError } from '../../src/core/errors.ts';
import { createProcessHub } from '../../src/isolation/hub.ts';
import { createProcessService } from '../../src/isolation/process-service.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { fixture, isGone, pidOf, until } from './process-helpers.ts';

const started: AnyActorRef[] = [];
const pids = new Set<number>();

afterEach(async () => {
  for (const actor of started.splice(0)) await shutdown(actor).catch(() => {});
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  pids.clear();
});

/** A port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** GET / on a fresh connection; resolves with the body (the worker's pid). */
function request(port: number, what = 'request'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`${what} timed out`)));
    req.on('error', reject);
  });
}

/** The pids of the hub's running workers, once all `n` run with a pid. */
function runningPids(actor: AnyActorRef, n: number): number[] | undefined {
  const children = getTree(actor).children ?? [];
  const running = children.filter((c) => c.state === 'running' && pidOf(c) !== undefined);
  return running.length === n ? running.map((c) => pidOf(c) as number) : undefined;
}

describe('createProcessHub', () => {
  it('rejects a replica count that is not an integer >= 1', () => {
    const child = (_i: number, id: string) => createProcessService({ id, command: 'sleep' });
    expect(() => createProcessHub({ id: 'hub', replicas: 0, child })).toThrow(
      SupervisorConfigError,
    );
    expect(() => createProcessHub({ id: 'hub', replicas: 1.5, child })).toThrow(/integer >= 1/);
  });

  it('rejects children and unknown options at creation instead of dropping them', () => {
    const child = (_i: number, id: string) => createProcessService({ id, command: 'sleep' });
    const other = createProcessService({ id: 'other', command: 'sleep' });
    const withChildren = () =>
      createProcessHub({ id: 'hub', replicas: 1, child, children: [other] } as never);
    expect(withChildren).toThrow(SupervisorConfigError);
    expect(withChildren).toThrow(
      expect.objectContaining({
        code: 'SUPERVISOR_CONFIG_UNKNOWN_OPTION',
        option: 'children',
        received: [other],
        owner: 'hub',
      }),
    );
    expect(withChildren).toThrow(/made by `child\(index, childId\)`/);
    expect(() =>
      createProcessHub({ id: 'hub', replicas: 1, child, maxRestart: 5 } as never),
    ).toThrow(
      expect.objectContaining({ code: 'SUPERVISOR_CONFIG_UNKNOWN_OPTION', option: 'maxRestart' }),
    );
  });

  it('runs 4 HTTP workers on one port, survives a worker crash and shuts down cleanly', async () => {
    const port = await freePort();
    const logger = createCapturingLogger();
    const hub = createProcessHub({
      id: 'web',
      replicas: 4,
      maxRestarts: 5,
      logger,
      child: (_i, id) =>
        createProcessService({
          id,
          module: fixture('http-worker.mjs'),
          cluster: true,
          env: { HUB_PORT: String(port) },
          gracePeriod: 2_000,
        }),
    });
    const actor = createActor(hub).start();
    started.push(actor);
    const first = await until(() => runningPids(actor, 4), 10_000, '4 workers running');
    for (const pid of first) pids.add(pid);
    expect(getTree(actor).children?.map((c) => c.id)).toEqual(['web-0', 'web-1', 'web-2', 'web-3']);
    await until(() => logger.find('listening').length === 4, 10_000, '4 workers listening');

    const answered = new Set<string>();
    for (let i = 0; i < 40; i++) answered.add(await request(port, `request ${i} before the crash`));
    expect([...answered].every((pid) => first.includes(Number(pid)))).toBe(true);
    expect(answered.size).toBeGreaterThanOrEqual(2);

    const victim = first[1] as number;
    process.kill(victim, 'SIGKILL');
    // A connection handed to the victim in the instant it dies is lost (a race of any kill):
    // ask again once the primary has seen the exit, while the restart may still be going on.
    await until(
      () => /SIGKILL/.test(getTree(actor).children?.[1]?.lastError?.message ?? ''),
      5_000,
      'the worker exit seen',
    );
    for (let i = 0; i < 10; i++) {
      expect(Number(await request(port, `request ${i} after the crash`))).not.toBe(victim);
    }
    const after = await until(
      () => {
        const now = runningPids(actor, 4);
        return now && !now.includes(victim) ? now : undefined;
      },
      10_000,
      'the dead worker restarted',
    );
    for (const pid of after) pids.add(pid);
    const restarted = getTree(actor).children?.find((c) => c.id === 'web-1');
    expect(restarted?.generation).toBe(1);
    expect(restarted?.lastError?.message).toMatch(/SIGKILL/);
    await until(() => logger.find('listening').length === 5, 10_000, 'the new worker listening');
    for (let i = 0; i < 10; i++) {
      expect(Number(await request(port, `request ${i} after the restart`))).toBeGreaterThan(0);
    }

    await shutdown(actor);
    started.splice(0);
    for (const pid of [...first, ...after]) {
      await until(() => isGone(pid), 1_000, `worker ${pid} gone`);
    }
    await expect(request(port)).rejects.toThrow();
  });

  it('stops every replica when one ends, with significant children and autoShutdown', async () => {
    const hub = createProcessHub({
      id: 'gcl',
      replicas: 2,
      autoShutdown: 'any-significant',
      logger: createCapturingLogger(),
      child: (i, id) =>
        createProcessService({
          id,
          restart: 'transient',
          significant: true,
          ...(i === 0
            ? { module: fixture('crasher.mjs'), args: ['0', '300'] }
            : { module: fixture('sleeper.mjs') }),
        }),
    });
    const actor = createActor(hub).start();
    started.push(actor);
    const both = await until(() => runningPids(actor, 2), 5_000, '2 replicas running');
    for (const pid of both) pids.add(pid);
    await until(() => getTree(actor).state === 'stopped', 5_000, 'the hub stopped');
    for (const pid of both) await until(() => isGone(pid), 1_000, `replica ${pid} gone`);
  });
});
