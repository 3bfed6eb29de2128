import { afterEach, describe, expect, it } from 'vitest';
import {
  createService,
  createSupervisor,
  getTree,
  IntensityExceededError,
  shutdown,
  silentLogger,
} from '../../src/index.ts';
import { createTestSystem, type TestSystem } from '../../src/testing/index.ts';
import { nextReport, reach, type Started, startSupervisor } from '../helpers/supervisor.ts';

let running: Started | undefined;
/** The tests on simulated time run their tree in a test system. */
let t: TestSystem | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
  if (running) await shutdown(running.actor);
  running = undefined;
});

const alwaysFails = (id: string) =>
  createService({
    id,
    maxFailures: 0,
    minPeriod: 1,
    iterate() {
      throw new Error(`${id} always fails`);
    },
  });

describe('restart intensity', () => {
  it('fails after maxRestarts + 1 failures within the window, stopping children in reverse order', async () => {
    const order: string[] = [];
    const keeper = (id: string) =>
      createService({ id, minPeriod: 50, iterate() {}, onStop: () => void order.push(id) });
    running = startSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 2,
      children: [keeper('first'), alwaysFails('bad'), keeper('last')],
    });
    const exceeded = await nextReport(running.actor, 'supervisor.intensity-exceeded');
    await reach(running.actor, 'failed');
    expect(exceeded).toMatchObject({ id: 'root', path: [], restarts: 3 });
    expect(exceeded.reason).toBeInstanceOf(IntensityExceededError);
    expect(running.reports.filter((r) => r.type === 'child.restarted')).toHaveLength(2);
    expect(order).toEqual(['last', 'first']);
    const tree = getTree(running.actor);
    expect(tree.state).toBe('failed');
    expect(tree.lastError?.message).toContain('exceeded 2 restarts');
    expect(tree.children?.map((c) => c.state)).toEqual(['stopped', 'failed', 'stopped']);
  });

  it('forgets restarts older than restartWindow (sliding window)', async () => {
    let fail = false;
    const flaky = createService({
      id: 'flaky',
      maxFailures: 0,
      minPeriod: 100,
      iterate() {
        if (fail) {
          fail = false;
          throw new Error('flaky');
        }
      },
    });
    t = createTestSystem(
      createSupervisor({
        id: 'root',
        maxRestarts: 1,
        restartWindow: 1_000,
        children: [flaky],
        logger: silentLogger,
      }),
      { now: 0 },
    );
    await t.start();
    for (let i = 0; i < 3; i++) {
      fail = true;
      await t.advance(1_100); // each failure lands in a fresh window
    }
    expect(t.tree().state).toBe('running');
    const restarts = t.reports.filter((r) => r.type === 'child.restarted');
    expect(restarts.map((r) => r.restarts)).toEqual([1, 1, 1]);
    // One failure on the first iteration (100 ms grid) of each advance: 1 100 ms apart.
    expect(restarts.map((r) => r.time)).toEqual([100, 1_200, 2_300]);
  });

  it('escalates through two levels of nesting up to the root, which fails', async () => {
    const leafSup = createSupervisor({
      id: 'inner',
      maxRestarts: 1,
      children: [alwaysFails('leaf')],
    });
    const mid = createSupervisor({ id: 'mid', maxRestarts: 1, children: [leafSup] });
    running = startSupervisor({ id: 'root', maxRestarts: 1, children: [mid] });
    await reach(running.actor, 'failed');
    const exceeded = running.reports.filter((r) => r.type === 'supervisor.intensity-exceeded');
    expect(exceeded.map((r) => r.path.join('/'))).toContain('mid/inner');
    expect(exceeded.map((r) => r.path.join('/'))).toContain('mid');
    expect(exceeded.at(-1)).toMatchObject({ id: 'root', path: [] });
    expect(
      running.reports.some(
        (r) => r.type === 'child.failed' && r.path.join('/') === 'mid/inner/leaf',
      ),
    ).toBe(true);
    expect(getTree(running.actor).state).toBe('failed');
  });

  it('counts failed restarts: a child that can never start trips the intensity instead of busy-looping', async () => {
    let attempts = 0;
    const cannotStart = createService({
      id: 'db',
      iterate() {},
      onStart(ctx) {
        attempts++;
        if (ctx.generation > 0) throw new Error('db unreachable');
      },
    });
    running = startSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 3,
      children: [cannotStart],
    });
    await reach(running.actor, 'running');
    running.actor.send({ type: 'child.fail', id: 'db' });
    await reach(running.actor, 'failed');
    expect(attempts).toBe(1 + 3); // the boot, then 3 restarts that each fail to start
  });

  it('lets timers run between restarts of a child that ends at once, again and again', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const instant = createService({ id: 'instant', iterate: (ctx) => ctx.stop() });
    running = startSupervisor({
      id: 'root',
      maxRestarts: 200,
      restartWindow: 60_000,
      children: [instant],
    });
    await reach(running.actor, 'failed', 10_000);
    clearInterval(timer);
    expect(running.reports.filter((r) => r.type === 'child.restarted')).toHaveLength(200);
    expect(ticks).toBeGreaterThan(0);
  });

  it('does not count manual restarts, stops and starts against maxRestarts', async () => {
    const svc = createService({ id: 'svc', minPeriod: 10, iterate() {} });
    running = startSupervisor({ id: 'root', maxRestarts: 1, children: [svc] });
    await reach(running.actor, 'running');
    for (let i = 0; i < 3; i++) {
      running.actor.send({ type: 'child.restart', id: 'svc' });
      await nextReport(running.actor, 'child.restarted');
    }
    expect(getTree(running.actor)).toMatchObject({ state: 'running', restarts: 0 });
    expect(getTree(running.actor).children?.[0]?.generation).toBe(3);
  });
});

describe('backoff', () => {
  it('waits initial · factor^n between automatic restarts of the same child', async () => {
    let failNext = true;
    const flaky = createService({
      id: 'flaky',
      maxFailures: 0,
      minPeriod: 10,
      iterate() {
        if (failNext) {
          failNext = false;
          throw new Error('flaky');
        }
      },
    });
    t = createTestSystem(
      createSupervisor({
        id: 'root',
        maxRestarts: 10,
        restartWindow: 60_000,
        backoff: { initial: 100, max: 10_000, factor: 2, jitter: 0 },
        children: [flaky],
        logger: silentLogger,
      }),
      { now: 0 },
    );
    const at = (type: string) => t!.reports.filter((r) => r.type === type).map((r) => r.time);
    await t.start();
    await t.advance(50);
    expect(at('child.failed')).toEqual([0]);
    expect(at('child.restarted')).toEqual([]); // still backing off
    await t.advance(49);
    expect(at('child.restarted')).toEqual([]);
    await t.advance(1); // 100 ms after the failure, not a millisecond before
    expect(at('child.restarted')).toEqual([100]);
    failNext = true;
    await t.advance(300);
    // The next iteration of the new generation (minPeriod 10) fails at 110 ms.
    expect(at('child.failed')).toEqual([0, 110]);
    // Second attempt: 100 · 2 after the second failure.
    expect(at('child.restarted')).toEqual([100, 310]);
  });
});
