/**
 * Backoff between restarts, on the test kit's simulated time: each restart is checked at its
 * exact simulated millisecond.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createService,
  createSupervisor,
  SupervisorConfigError,
  silentLogger,
} from '../../src/index.ts';
import { createTestSystem, type TestSystem } from '../../src/testing/index.ts';

let t: TestSystem | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

/** A service that fails (maxFailures 0) at each of the given simulated times after it starts. */
function failingAt(
  id: string,
  failAt: (generation: number) => number | undefined,
  extra: { resetGlobally?: boolean } = {},
) {
  return createService({
    id,
    maxFailures: 0,
    ...extra,
    async iterate(ctx) {
      const at = failAt(ctx.generation);
      if (at === undefined) {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, at));
      throw new Error(`${id} failed at generation ${ctx.generation}`);
    },
  });
}

/** Starts a root over `children` on simulated time (from 0); its reports as `ms type path@gen`. */
async function started(children: ReturnType<typeof createService>[], extra: object = {}) {
  const sys = createTestSystem(
    createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 100,
      restartWindow: 60_000,
      logger: silentLogger,
      children,
      ...extra,
    }),
    { now: 0 },
  );
  t = sys;
  await sys.start();
  const timeline = () =>
    sys.reports.map((r) => `${r.time} ${r.type} ${r.path.join('/')}@${r.generation}`);
  return { sys, timeline };
}

describe('backoff', () => {
  it('does not hold up the decisions about other children while one waits out its backoff', async () => {
    // `flapping` fails at 0 ms every generation; its backoff grows to seconds. `steady` fails
    // once, at 1 500 ms: it is reported and restarted then, not behind flapping's backoff.
    const { sys, timeline } = await started(
      [failingAt('flapping', () => 0), failingAt('steady', (g) => (g === 0 ? 1_500 : undefined))],
      { backoff: { initial: 1_000, max: 60_000, factor: 2, jitter: 0 } },
    );
    await sys.advance(1_600);
    const steady = timeline().filter((l) => l.includes('steady'));
    expect(steady).toContain('1500 child.failed steady@0');
    // No backoff taken yet for steady: 1 000 ms is its first delay.
    await sys.advance(899); // to 2 499
    expect(timeline().filter((l) => l.includes('child.restarted steady'))).toEqual([]);
    await sys.advance(1);
    // 1 000 ms after its failure, to the millisecond.
    expect(timeline().filter((l) => l.includes('child.restarted steady'))).toEqual([
      '2500 child.restarted steady@1',
    ]);
  });

  it('is cancelled by a shutdown: nothing restarts after the tree has stopped', async () => {
    const { sys, timeline } = await started([failingAt('flapping', () => 0)], {
      backoff: { initial: 10_000, max: 60_000, factor: 2, jitter: 0 },
    });
    await sys.advance(100);
    expect(timeline().filter((l) => l.includes('child.failed'))).toHaveLength(1);
    expect(sys.pendingTimers()).toBe(1); // the restart waiting out its 10 s
    await sys.send([], { type: 'supervisor.stop' });
    await sys.waitFor([], 'stopped');
    expect(sys.pendingTimers()).toBe(0);
    await sys.advance(20_000);
    expect(timeline().filter((l) => l.includes('child.restarted'))).toEqual([]);
  });

  it('is cancelled by child.stop: the child waiting out its backoff stays stopped', async () => {
    const { sys, timeline } = await started([failingAt('flapping', () => 0)], {
      backoff: { initial: 10_000, max: 60_000, factor: 2, jitter: 0 },
    });
    await sys.advance(100);
    await sys.send([], { type: 'child.stop', id: 'flapping' });
    await sys.advance(20_000);
    expect(timeline().filter((l) => l.includes('child.restarted'))).toEqual([]);
    expect(sys.tree().children?.[0]).toMatchObject({ id: 'flapping', generation: 0 });
    expect(timeline().at(-1)).toMatch(/child\.stopped flapping@0$/);
  });

  it('lets a group restart take along a child waiting out its backoff, reporting its failure once', async () => {
    // slow fails at 0 and waits 5 s. other (not stopped by siblings' restarts) fails at 100:
    // its one-for-all restart takes slow along without reporting slow again, and waits its
    // own 5 s. The newer restart owns slow now: both start together, in order, at 5 100.
    const { sys, timeline } = await started(
      [
        failingAt('slow', (g) => (g === 0 ? 0 : undefined)),
        failingAt('other', (g) => (g === 0 ? 100 : undefined), { resetGlobally: false }),
      ],
      {
        strategy: 'one-for-all',
        backoff: { initial: 5_000, max: 60_000, factor: 2, jitter: 0 },
      },
    );
    await sys.advance(6_000);
    expect(timeline().filter((l) => / child\.(failed|stopped) /.test(l))).toEqual([
      '0 child.failed slow@0',
      '100 child.failed other@0',
    ]);
    expect(timeline().filter((l) => l.includes('child.restarted'))).toEqual([
      '5100 child.restarted slow@1',
      '5100 child.restarted other@1',
    ]);
    expect(sys.tree().children?.map((c) => c.state)).toEqual(['running', 'running']);
  });
});

describe('a restart that waits out a backoff', () => {
  it('never starts a child out of order when a newer group restart took it over (rest-for-one)', async () => {
    const ids = ['a', 'b', 'c'];
    const { sys, timeline } = await started(
      ids.map((id) => createService({ id, pause: 10, iterate() {} })),
      { strategy: 'rest-for-one', backoff: { initial: 200, max: 10_000, factor: 2, jitter: 0 } },
    );
    await sys.advance(50);
    await sys.send([], { type: 'child.fail', id: 'c' }); // c waits 200 ms
    await sys.advance(100);
    await sys.send([], { type: 'child.fail', id: 'a' }); // a, b, c wait a's 200 ms: c goes with them
    await sys.advance(120); // c's own timer has fired: it must not start c before a and b
    expect(sys.tree().children?.map((c) => c.state)).toEqual(['failed', 'stopped', 'failed']);
    await sys.advance(79);
    expect(sys.tree().children?.map((c) => c.state)).toEqual(['failed', 'stopped', 'failed']);
    await sys.advance(1);
    expect(sys.tree().children?.map((c) => c.state)).toEqual(['running', 'running', 'running']);
    const order = timeline()
      .filter((l) => l.includes('child.restarted'))
      .map((l) => l.split(' ').slice(0, 3).join(' '));
    expect(order).toEqual([
      '350 child.restarted a@1',
      '350 child.restarted b@1',
      '350 child.restarted c@1',
    ]);
  });

  it('is owned by the latest backoff: an older timer does not cut the current delay short', async () => {
    const { sys, timeline } = await started([createService({ id: 'a', pause: 10, iterate() {} })], {
      backoff: { initial: 200, max: 10_000, factor: 4, jitter: 0 },
    });
    await sys.advance(20);
    await sys.send([], { type: 'child.fail', id: 'a' }); // waits 200 ms (attempt 0), to 220
    await sys.advance(50);
    await sys.send([], { type: 'child.restart', id: 'a' }); // started by hand meanwhile
    await sys.advance(30);
    await sys.send([], { type: 'child.fail', id: 'a' }); // waits 800 ms (attempt 1), to 900
    await sys.advance(300); // the first timer (at 220 ms) has fired: a must still wait
    expect(sys.tree().children?.[0]?.state).toBe('failed');
    await sys.advance(499); // to 899
    expect(sys.tree().children?.[0]?.state).toBe('failed');
    await sys.advance(1);
    expect(sys.tree().children?.[0]?.state).toBe('running');
    const restarts = timeline().filter((l) => l.includes('child.restarted'));
    expect(restarts).toHaveLength(2); // the manual one, then the one after 800 ms
    expect(restarts[1]).toBe('900 child.restarted a@2');
  });
});

describe('a kill during a sibling’s group restart', () => {
  it('is reported as child.killed before child.failed (one-for-all)', async () => {
    // trigger fails at 200; the group restart stops slowStop first (300 ms of onStop), and
    // meanwhile hangs fails at 250 and is killed at 350. When the restart reaches hangs (at
    // 500, once slowStop has stopped), it has ended on its own: its kill is reported, then its
    // failure.
    const hangs = createService({
      id: 'hangs',
      maxFailures: 0,
      gracePeriod: 100,
      async iterate(ctx) {
        if (ctx.generation > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
        ctx.fail(new Error('hangs failed'));
        await new Promise(() => {});
      },
    });
    const slowStop = createService({
      id: 'slowStop',
      gracePeriod: 1_000,
      minPeriod: 10,
      iterate() {},
      onStop: () => new Promise((resolve) => setTimeout(resolve, 300)),
    });
    const { sys, timeline } = await started(
      [hangs, slowStop, failingAt('trigger', (g) => (g === 0 ? 200 : undefined))],
      { strategy: 'one-for-all' },
    );
    await sys.advance(800);
    const hangsReports = timeline().filter((l) => l.includes(' hangs@0'));
    expect(hangsReports.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      '0 child.started',
      '500 child.killed',
      '500 child.failed',
    ]);
  });
});

describe('restart intensity options', () => {
  it('rejects restartWindow 0, which would never trip intensity (OTP requires a period > 0)', () => {
    let error: unknown;
    try {
      createSupervisor({ id: 'root', restartWindow: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SupervisorConfigError);
    expect(error).toMatchObject({ option: 'restartWindow', received: 0 });
    expect((error as Error).message).toContain('> 0');
  });
});
