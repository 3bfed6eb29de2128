import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import {
  createService,
  createSupervisor,
  getTree,
  SupervisorConfigError,
  type SupervisorReport,
  silentLogger,
} from '../../src/index.ts';
import { advanceInSteps } from '../helpers/async.ts';
import { shutdownInSteps } from '../helpers/supervisor.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
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

function started(children: ReturnType<typeof createService>[], extra: object = {}) {
  const actor = createActor(
    createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 100,
      restartWindow: 60_000,
      logger: silentLogger,
      children,
      ...extra,
    }),
  );
  const timeline: string[] = [];
  actor.on('*', (r) => {
    const report = r as unknown as SupervisorReport;
    timeline.push(
      `${Date.now() - t0} ${report.type} ${report.path.join('/')}@${report.generation}`,
    );
  });
  const t0 = Date.now();
  actor.start();
  return { actor, timeline };
}

describe('backoff', () => {
  it('does not hold up the decisions about other children while one waits out its backoff', async () => {
    // `flapping` fails at 0 ms every generation; its backoff grows to seconds. `steady` fails
    // once, at 1 500 ms: it is reported and restarted then, not behind flapping's backoff.
    const { actor, timeline } = started(
      [failingAt('flapping', () => 0), failingAt('steady', (g) => (g === 0 ? 1_500 : undefined))],
      { backoff: { initial: 1_000, max: 60_000, factor: 2, jitter: 0 } },
    );
    await advanceInSteps(1_600);
    const steady = timeline.filter((l) => l.includes('steady'));
    expect(steady).toContain('1500 child.failed steady@0');
    // No backoff taken yet for steady: 1 000 ms is its first delay.
    await advanceInSteps(1_000);
    const restarts = timeline.filter((l) => l.includes('child.restarted steady'));
    expect(restarts).toHaveLength(1);
    // 1 000 ms after its failure (plus at most a simulated tick for the stop).
    expect(Number(restarts[0]!.split(' ')[0])).toBeGreaterThanOrEqual(2_500);
    expect(Number(restarts[0]!.split(' ')[0])).toBeLessThanOrEqual(2_501);
    await shutdownInSteps(actor, 2_000, 50);
  });

  it('is cancelled by a shutdown: nothing restarts after the tree has stopped', async () => {
    const { actor, timeline } = started([failingAt('flapping', () => 0)], {
      backoff: { initial: 10_000, max: 60_000, factor: 2, jitter: 0 },
    });
    await advanceInSteps(100);
    expect(timeline.filter((l) => l.includes('child.failed'))).toHaveLength(1);
    await shutdownInSteps(actor, 2_000, 50);
    await advanceInSteps(20_000, 1_000);
    expect(timeline.filter((l) => l.includes('child.restarted'))).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is cancelled by child.stop: the child waiting out its backoff stays stopped', async () => {
    const { actor, timeline } = started([failingAt('flapping', () => 0)], {
      backoff: { initial: 10_000, max: 60_000, factor: 2, jitter: 0 },
    });
    await advanceInSteps(100);
    actor.send({ type: 'child.stop', id: 'flapping' });
    await advanceInSteps(20_000, 1_000);
    expect(timeline.filter((l) => l.includes('child.restarted'))).toEqual([]);
    expect(getTree(actor).children?.[0]).toMatchObject({ id: 'flapping', generation: 0 });
    expect(timeline.at(-1)).toMatch(/child\.stopped flapping@0$/);
    await shutdownInSteps(actor, 2_000, 50);
  });

  it('lets a group restart take along a child waiting out its backoff, reporting its failure once', async () => {
    // slow fails at 0 and waits 5 s. other (not stopped by siblings' restarts) fails at 100:
    // its one-for-all restart takes slow along without reporting slow again, and waits its
    // own 5 s. The newer restart owns slow now: both start together, in order, at 5 100.
    const { actor, timeline } = started(
      [
        failingAt('slow', (g) => (g === 0 ? 0 : undefined)),
        failingAt('other', (g) => (g === 0 ? 100 : undefined), { resetGlobally: false }),
      ],
      {
        strategy: 'one-for-all',
        backoff: { initial: 5_000, max: 60_000, factor: 2, jitter: 0 },
      },
    );
    await advanceInSteps(6_000);
    expect(timeline.filter((l) => / child\.(failed|stopped) /.test(l))).toEqual([
      '0 child.failed slow@0',
      '100 child.failed other@0',
    ]);
    // Times to the 100 ms: a start may take a simulated tick.
    const restarts = timeline
      .filter((l) => l.includes('child.restarted'))
      .map((l) => l.replace(/^\d+/, (t) => String(Math.floor(Number(t) / 100) * 100)));
    expect(restarts).toEqual(['5100 child.restarted slow@1', '5100 child.restarted other@1']);
    expect(getTree(actor).children?.map((c) => c.state)).toEqual(['running', 'running']);
    await shutdownInSteps(actor, 2_000, 50);
  });
});

describe('a restart that waits out a backoff', () => {
  it('never starts a child out of order when a newer group restart took it over (rest-for-one)', async () => {
    const ids = ['a', 'b', 'c'];
    const { actor, timeline } = started(
      ids.map((id) => createService({ id, pause: 10, iterate() {} })),
      { strategy: 'rest-for-one', backoff: { initial: 200, max: 10_000, factor: 2, jitter: 0 } },
    );
    await advanceInSteps(50);
    actor.send({ type: 'child.fail', id: 'c' }); // c waits 200 ms
    await advanceInSteps(100);
    actor.send({ type: 'child.fail', id: 'a' }); // a, b, c wait a's 200 ms: c goes with them
    await advanceInSteps(120); // c's own timer has fired: it must not start c before a and b
    expect(getTree(actor).children?.map((c) => c.state)).toEqual(['failed', 'stopped', 'failed']);
    await advanceInSteps(200);
    expect(getTree(actor).children?.map((c) => c.state)).toEqual(['running', 'running', 'running']);
    const order = timeline.filter((l) => l.includes('child.restarted')).map((l) => l.split(' ')[2]);
    expect(order).toEqual(['a@1', 'b@1', 'c@1']);
    await shutdownInSteps(actor, 2_000, 50);
  });

  it('is owned by the latest backoff: an older timer does not cut the current delay short', async () => {
    const { actor, timeline } = started([createService({ id: 'a', pause: 10, iterate() {} })], {
      backoff: { initial: 200, max: 10_000, factor: 4, jitter: 0 },
    });
    await advanceInSteps(20);
    actor.send({ type: 'child.fail', id: 'a' }); // waits 200 ms (attempt 0)
    await advanceInSteps(50);
    actor.send({ type: 'child.restart', id: 'a' }); // started by hand meanwhile
    await advanceInSteps(30);
    actor.send({ type: 'child.fail', id: 'a' }); // waits 800 ms (attempt 1), from ~100 ms
    await advanceInSteps(300); // the first timer (at ~220 ms) has fired: a must still wait
    expect(getTree(actor).children?.[0]?.state).toBe('failed');
    await advanceInSteps(600);
    expect(getTree(actor).children?.[0]?.state).toBe('running');
    const restarts = timeline.filter((l) => l.includes('child.restarted'));
    expect(restarts).toHaveLength(2); // the manual one, then the one after 800 ms
    expect(Number(restarts[1]!.split(' ')[0])).toBeGreaterThanOrEqual(900);
    await shutdownInSteps(actor, 2_000, 50);
  });
});

describe('a kill during a sibling’s group restart', () => {
  it('is reported as child.killed before child.failed (one-for-all)', async () => {
    // trigger fails at 200; the group restart stops slowStop first (300 ms of onStop), and
    // meanwhile hangs fails at 250 and is killed at 350. When the restart reaches hangs, it has
    // ended on its own: its kill is reported, then its failure.
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
    const { actor, timeline } = started(
      [hangs, slowStop, failingAt('trigger', (g) => (g === 0 ? 200 : undefined))],
      { strategy: 'one-for-all' },
    );
    await advanceInSteps(800);
    const hangsReports = timeline.filter((l) => l.includes(' hangs@0'));
    expect(hangsReports.map((l) => l.split(' ')[1])).toEqual([
      'child.started',
      'child.killed',
      'child.failed',
    ]);
    await shutdownInSteps(actor, 2_000, 50);
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
