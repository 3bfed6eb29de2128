/**
 * A child's own exit (a failure, a kill) is reported once, whatever decision gets to the child
 * first: a command queued before the exit, a shutdown, a restart by hand. On the test kit's
 * simulated time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createService,
  createSupervisor,
  getTree,
  shutdown,
  silentLogger,
} from '../../src/index.ts';
import { createTestSystem, type TestSystem } from '../../src/testing/index.ts';

let t: TestSystem | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

/** A service whose onStop takes `ms` (to keep the supervisor's queue busy with its stop). */
function slowToStop(id: string, ms: number) {
  return createService({
    id,
    minPeriod: 10,
    gracePeriod: 10_000,
    iterate() {},
    onStop: () => new Promise((resolve) => setTimeout(resolve, ms)),
  });
}

/** A service that, in generation 0, fails at `at` ms (ctx.fail past maxFailures), then hangs. */
function failsThenHangs(id: string, at: number, gracePeriod = 100) {
  return createService({
    id,
    maxFailures: 0,
    gracePeriod,
    minPeriod: 10,
    async iterate(ctx) {
      if (ctx.generation > 0) return;
      await new Promise((resolve) => setTimeout(resolve, at));
      ctx.fail(new Error(`${id} failed`));
      await new Promise(() => {});
    },
  });
}

/** The root over `children` on simulated time (not started yet); reports as `type id@gen`. */
function system(children: ReturnType<typeof createService>[]) {
  const sys = createTestSystem(
    createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 10,
      logger: silentLogger,
      children,
    }),
    { now: 0 },
  );
  t = sys;
  const reports = () => sys.reports.map((r) => `${r.type} ${r.id}@${r.generation}`);
  return { sys, reports };
}

/** Starts the root over `children` and resolves once it is running. */
async function start(children: ReturnType<typeof createService>[]) {
  const started = system(children);
  await started.sys.start();
  return started;
}

describe("a child's own exit that a decision reaches first", () => {
  it('is reported when a child.restart queued before it runs after it (not swallowed as stale)', async () => {
    // a's stop keeps the queue busy until 100 ms; the restart of b waits behind it; b fails
    // on its own at 50 ms (its exit queued behind the restart).
    const { sys, reports } = await start([
      slowToStop('a', 100),
      createService({
        id: 'b',
        maxFailures: 0,
        minPeriod: 10,
        async iterate(ctx) {
          if (ctx.generation > 0) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
          throw new Error('b failed');
        },
      }),
    ]);
    await sys.advance(5);
    await sys.send([], { type: 'child.stop', id: 'a' });
    await sys.advance(5);
    await sys.send([], { type: 'child.restart', id: 'b' });
    await sys.advance(300);
    expect(reports().filter((r) => r.endsWith(' b@0') || r.endsWith(' b@1'))).toEqual([
      'child.started b@0',
      'child.failed b@0',
      'child.restarted b@1',
    ]);
    // b failed on its own at 50 ms, behind a's stop (5 to 105 ms) in the queue: both its
    // failure and its restart are decided when the queue frees, at 105 ms.
    expect(
      sys.reports.filter((r) => r.id === 'b' && r.type !== 'child.started').map((r) => r.time),
    ).toEqual([105, 105]);
    expect(sys.tree().children?.[1]).toMatchObject({ state: 'running', generation: 1 });
  });

  it('is waited for by child.restart while the child is stopping on its own: killed, failed, then restarted', async () => {
    const { sys, reports } = await start([failsThenHangs('b', 0)]);
    await sys.advance(10);
    expect(sys.tree().children?.[0]?.state).toBe('stopping');
    await sys.send([], { type: 'child.restart', id: 'b' });
    await sys.advance(300);
    expect(reports()).toEqual([
      'child.started b@0',
      'child.killed b@0',
      'child.failed b@0',
      'child.restarted b@1',
    ]);
    // Killed when its gracePeriod (100 ms) ran out, not before.
    expect(sys.reports.find((r) => r.type === 'child.killed')?.time).toBe(100);
  });

  it('is reported, after its kill, when the supervisor shuts down while the child is failing', async () => {
    const { sys, reports } = await start([failsThenHangs('b', 0)]);
    await sys.advance(10);
    expect(sys.tree().children?.[0]?.state).toBe('stopping');
    const actor = sys.actor!;
    let stopped = false;
    const stopping = shutdown(actor).then(() => {
      stopped = true;
    });
    await sys.advance(500);
    expect(stopped).toBe(true);
    await stopping;
    expect(reports()).toEqual(['child.started b@0', 'child.killed b@0', 'child.failed b@0']);
    expect(getTree(actor).children?.[0]?.state).toBe('failed');
  });

  it('is reported when a failed start rolls back a child that had already begun to fail', async () => {
    const { sys, reports } = system([
      // Fails in its very first iteration, before the supervisor starts b.
      createService({
        id: 'a',
        maxFailures: 0,
        gracePeriod: 100,
        iterate(ctx) {
          ctx.fail(new Error('a failed'));
          return new Promise(() => {});
        },
      }),
      createService({
        id: 'b',
        iterate() {},
        onStart() {
          throw new Error('b cannot start');
        },
      }),
    ]);
    await expect(sys.start()).rejects.toMatchObject({ code: 'ROOT_FAILED' });
    await sys.advance(300);
    expect(reports()).toEqual([
      'child.started a@0',
      'child.failed b@0',
      'child.killed a@0',
      'child.failed a@0',
    ]);
    expect(sys.tree().state).toBe('failed');
  });

  it('is reported when child.stop reaches a child that is failing on its own', async () => {
    const { sys, reports } = await start([failsThenHangs('b', 0)]);
    await sys.advance(10);
    await sys.send([], { type: 'child.stop', id: 'b' });
    await sys.advance(300);
    expect(reports()).toEqual(['child.started b@0', 'child.killed b@0', 'child.failed b@0']);
    // Stopped by hand: not restarted.
    expect(sys.tree().children?.[0]).toMatchObject({ state: 'failed', generation: 0 });
  });
});
