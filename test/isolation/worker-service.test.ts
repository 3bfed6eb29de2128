import { BroadcastChannel, threadId as mainThreadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  createSupervisor,
  getTree,
  ServiceConfigError,
  shutdown,
  silentLogger,
} from '../../src/index.ts';
import {
  createWorkerService,
  type WorkerServiceOptions,
} from '../../src/isolation/worker-service.ts';
import type { ServiceMachine } from '../../src/machines/service.ts';
import { liveWorkerThreads } from '../../src/testing/index.ts';
import { sleep } from '../helpers/async.ts';
import { HANG_GUARD, TIMER_EPSILON } from '../helpers/real-time.ts';

const fixture = (name: string) => new URL(`../fixtures/workers/${name}.ts`, import.meta.url);

interface Report {
  event: string;
  threadId: number;
  generation: number;
  iteration: number;
}

let counter = 0;
const channels: BroadcastChannel[] = [];
const actors: { stop(): void }[] = [];

/** A channel the report fixture writes to, and what arrived on it. */
function listen(): { name: string; reports: Report[] } {
  const name = `worker-test-${process.pid}-${counter++}`;
  const reports: Report[] = [];
  const channel = new BroadcastChannel(name);
  channel.onmessage = (e) => reports.push((e as { data: Report }).data);
  channels.push(channel);
  return { name, reports };
}

async function until(check: () => boolean, timeout = 5_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

function start(options: Omit<WorkerServiceOptions, 'logger'>) {
  const machine = createWorkerService({ logger: silentLogger, ...options });
  const actor = createActor(machine).start();
  actors.push(actor);
  return { machine, actor, tree: () => getTree(actor) };
}

afterEach(async () => {
  for (const actor of actors.splice(0)) actor.stop();
  for (const channel of channels.splice(0)) channel.close();
});

describe('createWorkerService', () => {
  it('runs iterate, onThreadStart and onThreadStop in another thread', async () => {
    const { name, reports } = listen();
    const { actor, tree, machine } = start({
      id: 'reporter',
      module: fixture('report'),
      workerData: { channel: name },
      pause: 10,
    });
    await until(() => reports.filter((r) => r.event === 'iterate').length >= 3);
    expect(tree().state).toBe('running');
    const { threadId } = tree().details as { threadId: number };
    expect(threadId).not.toBe(mainThreadId);
    expect(reports[0]).toMatchObject({ event: 'thread-start', threadId, generation: 0 });
    const iterations = reports.filter((r) => r.event === 'iterate');
    expect(iterations.every((r) => r.threadId === threadId)).toBe(true);
    expect(iterations.slice(0, 3).map((r) => r.iteration)).toEqual([0, 1, 2]);
    await shutdown(actor);
    await until(() => reports.some((r) => r.event === 'thread-stop'));
    expect(reports.at(-1)).toMatchObject({ event: 'thread-stop', threadId });
    expect(tree().state).toBe('stopped');
    await until(() => liveWorkerThreads(machine) === 0, 1_000, 'no thread left');
  });

  it('counts throws and ctx.fail() in the thread, and fails on failure maxFailures + 1', async () => {
    for (const mode of ['throw', 'fail'] as const) {
      const { name } = listen();
      const { tree, machine } = start({
        id: `failing-${mode}`,
        module: fixture('report'),
        workerData: { channel: name, mode },
        maxFailures: 2,
      });
      await until(() => tree().state === 'failed', 5_000, `failed (${mode})`);
      expect(tree().failures).toBe(3);
      expect(tree().lastError?.message).toBe(mode === 'throw' ? 'boom 2' : 'soft 2');
      await until(() => liveWorkerThreads(machine) === 0, 1_000, 'no thread left');
    }
  });

  it('ends normally when the thread calls ctx.stop()', async () => {
    const { name, reports } = listen();
    const { tree } = start({
      id: 'finite',
      module: fixture('report'),
      workerData: { channel: name, stopAt: 2 },
      restart: 'transient',
    });
    await until(() => tree().state === 'stopped');
    expect(reports.filter((r) => r.event === 'iterate')).toHaveLength(3);
    expect(tree().failures).toBe(0);
  });

  it('kills a CPU-bound infinite loop once gracePeriod runs out while the main event loop keeps ticking', async () => {
    const { name, reports } = listen();
    const gracePeriod = 300;
    const { actor, machine, tree } = start({
      id: 'spinner',
      module: fixture('report'),
      workerData: { channel: name, mode: 'spin' },
      gracePeriod,
    });
    await until(() => reports.some((r) => r.event === 'spinning'));
    let last = performance.now();
    let maxGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const stopAt = performance.now();
    actor.send({ type: 'service.stop' });
    await until(() => liveWorkerThreads(machine) === 0, HANG_GUARD, 'the thread to be gone');
    const goneAt = performance.now();
    clearInterval(timer);
    const gone = goneAt - stopAt;
    maxGap = Math.max(maxGap, goneAt - last);
    // Terminated once gracePeriod minus its margin (min(100, gracePeriod / 10)) has passed,
    // not before; load can only make it later. The upper bound is a hang guard only.
    const terminateAt = gracePeriod - Math.min(100, gracePeriod / 10);
    expect(gone).toBeGreaterThanOrEqual(terminateAt - TIMER_EPSILON);
    expect(gone).toBeLessThan(HANG_GUARD);
    // A main thread blocked while the worker spins or is terminated would show one gap as long
    // as the whole stop; load stretches gaps, but never to half of it across two ticks.
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(maxGap).toBeLessThan(gone / 2);
    await until(() => tree().state === 'stopped');
  });

  it('hard reset terminates the stuck thread and starts a fresh one for generation + 1', async () => {
    const { name, reports } = listen();
    const { actor, machine, tree } = start({
      id: 'reset',
      module: fixture('report'),
      workerData: { channel: name, mode: 'spin' },
      gracePeriod: 100,
    });
    await until(() => reports.some((r) => r.event === 'spinning'));
    const first = reports.find((r) => r.event === 'spinning')!;
    actor.send({ type: 'service.hard-reset' });
    await until(() => reports.some((r) => r.event === 'spinning' && r.generation === 1));
    const second = reports.find((r) => r.event === 'spinning' && r.generation === 1)!;
    expect(second.threadId).not.toBe(first.threadId);
    expect(reports.filter((r) => r.event === 'thread-start').map((r) => r.generation)).toEqual([
      0, 1,
    ]);
    await until(() => liveWorkerThreads(machine) === 1, 1_000, 'only the new thread');
    expect(tree()).toMatchObject({ state: 'running', generation: 1 });
    expect((tree().details as { threadId: number }).threadId).toBe(second.threadId);
  });

  it('fails the start and terminates the thread when the module hangs past startTimeout', async () => {
    const { machine, tree } = start({
      id: 'hangs',
      module: fixture('hangs-at-load'),
      startTimeout: 300,
    });
    await until(() => tree().state === 'failed', 5_000, 'the start to fail');
    // The startTimeout every service has, which bounds the thread's start once.
    expect(tree().lastError?.message).toMatch(
      /Service "hangs" generation 0 did not finish onStart within startTimeout 300 ms/,
    );
    await until(() => liveWorkerThreads(machine) === 0, 2_000, 'no thread left');
  });

  it('rejects a startTimeout that is not a positive number of ms, at creation', () => {
    expect(() =>
      createWorkerService({ id: 'x', module: fixture('report'), startTimeout: 0 }),
    ).toThrow(/startTimeout/);
  });

  it('fails the start when the module cannot be loaded or lacks iterate', async () => {
    const missing = start({ id: 'missing', module: fixture('does-not-exist') });
    const lacking = start({ id: 'lacking', module: fixture('no-iterate') });
    await until(() => missing.tree().state === 'failed' && lacking.tree().state === 'failed');
    expect(missing.tree().lastError?.message).toMatch(
      /could not start its thread: could not load module .*does-not-exist/,
    );
    expect(lacking.tree().lastError?.message).toMatch(/does not export an `iterate` function/);
    await until(
      () => liveWorkerThreads(missing.machine) + liveWorkerThreads(lacking.machine) === 0,
    );
  });

  it('rejects iterate and unknown options at creation, and accepts the pacing options', () => {
    for (const [option, value] of [
      ['iterate', () => {}],
      ['pauses', 10],
    ] as const) {
      expect(() =>
        createWorkerService({ id: 'w', module: fixture('report'), [option]: value } as never),
      ).toThrow(
        expect.objectContaining({ code: 'SERVICE_CONFIG_UNKNOWN_OPTION', option, received: value }),
      );
    }
    // The thread's iterate is paced by the core, as createService's is.
    expect(() =>
      createWorkerService({ id: 'w', module: fixture('report'), minPeriod: 10, pause: 5 }),
    ).not.toThrow();
  });

  it('rejects at creation a module that is not a URL or an absolute path', () => {
    const bad = (module: unknown) => () =>
      createWorkerService({ id: 'bad', module: module as string });
    expect(bad('./relative.ts')).toThrow(ServiceConfigError);
    expect(bad(() => {})).toThrow(/Invalid option `module` of service "bad"/);
    expect(() =>
      createWorkerService({ id: 'bad', module: fixture('report'), workerData: () => {} }),
    ).toThrow(/Invalid option `workerData`/);
    expect(() =>
      createWorkerService({
        id: 'bad',
        module: fixture('report'),
        resourceLimits: { maxOldGenerationSizeMb: -1 },
      }),
    ).toThrow(/resourceLimits.maxOldGenerationSizeMb/);
  });

  it('counts running out of resourceLimits as a failure that says so', async () => {
    const { tree, machine } = start({
      id: 'hungry',
      module: fixture('oom'),
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
      maxFailures: 0,
    });
    await until(() => tree().state === 'failed', 15_000, 'failed');
    expect(tree().lastError?.message).toMatch(/ran out of memory/);
    await until(() => liveWorkerThreads(machine) === 0, 1_000, 'no thread left');
  });

  it('restarts a crashed worker with the next generation under a one-for-one supervisor', async () => {
    const { name, reports } = listen();
    const service = createWorkerService({
      id: 'crashy',
      module: fixture('report'),
      workerData: { channel: name, mode: 'crash-gen0' },
      maxFailures: 0,
      pause: 5,
    });
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      children: [service],
      logger: silentLogger,
    });
    const actor = createActor(root).start();
    actors.push(actor);
    const restarted: { generation: number; reason?: unknown }[] = [];
    actor.on('child.restarted', (e) => restarted.push(e));
    await until(() => restarted.length === 1, 5_000, 'a restart');
    expect(restarted[0]?.generation).toBe(1);
    await until(() => reports.some((r) => r.event === 'iterate' && r.generation === 1));
    const child = getTree(actor).children?.[0];
    expect(child).toMatchObject({ state: 'running', generation: 1 });
    expect(child?.lastError?.message).toMatch(/crashed: thread crashed/);
    await shutdown(actor);
    await until(() => liveWorkerThreads(service) === 0, 1_000, 'no thread left');
  });

  it('leaves no thread behind after actor.stop() or a kill', async () => {
    const { name } = listen();
    const calm = start({ id: 'calm', module: fixture('report'), workerData: { channel: name } });
    const stuck = start({
      id: 'stuck',
      module: fixture('report'),
      workerData: { channel: name, mode: 'spin' },
      gracePeriod: 50,
    });
    await until(() => liveWorkerThreads(calm.machine) === 1 && stuck.tree().state === 'running');
    calm.actor.stop();
    await shutdown(stuck.actor);
    await until(
      () => liveWorkerThreads(calm.machine) + liveWorkerThreads(stuck.machine) === 0,
      1_000,
      'no thread left',
    );
    const machines: ServiceMachine[] = [calm.machine, stuck.machine];
    expect(machines.map(liveWorkerThreads)).toEqual([0, 0]);
  });
});
