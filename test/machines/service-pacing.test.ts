import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AnyActorRef, createActor, waitFor } from 'xstate';
import { createService, getTree, shutdown } from '../../src/index.ts';
import { advance, deferred, settle, sleep } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { launch } from '../helpers/service.ts';

/** Start times of the iterations, relative to the first one. */
function relative(starts: number[]): number[] {
  const first = starts[0] ?? 0;
  return starts.map((t) => t - first);
}

describe('service pacing with fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function startsOf(options: {
    minPeriod?: number;
    pause?: number;
    interval?: number;
    delayBefore?: number;
    delayAfter?: number;
    durations: (iteration: number) => number;
    fails?: boolean;
    run: number;
  }): Promise<number[]> {
    const starts: number[] = [];
    const { durations, fails, run, ...pacing } = options;
    const t0 = Date.now();
    const svc = launch({
      id: 'paced',
      ...pacing,
      maxFailures: 1_000,
      async iterate(ctx) {
        starts.push(Date.now() - t0);
        const ms = durations(ctx.iteration);
        if (ms > 0) await sleep(ms);
        if (fails) throw new Error(`boom ${ctx.iteration}`);
      },
    });
    await advance(run);
    svc.actor.stop();
    return starts;
  }

  describe('GCL rule: next start = max(start + minPeriod, end + pause)', () => {
    it('starts iterations every 300 ms when each takes 50 ms (minPeriod 300, pause 100)', async () => {
      const starts = await startsOf({
        minPeriod: 300,
        pause: 100,
        durations: () => 50,
        run: 1_000,
      });
      expect(starts).toEqual([0, 300, 600, 900]);
    });

    it('starts iterations every 450 ms when each takes 350 ms (minPeriod 300, pause 100)', async () => {
      const starts = await startsOf({
        minPeriod: 300,
        pause: 100,
        durations: () => 350,
        run: 1_400,
      });
      expect(starts).toEqual([0, 450, 900, 1_350]);
    });

    it('starts iterations every 350 ms when each takes 250 ms (minPeriod 300, pause 100)', async () => {
      const starts = await startsOf({
        minPeriod: 300,
        pause: 100,
        durations: () => 250,
        run: 1_100,
      });
      expect(starts).toEqual([0, 350, 700, 1_050]);
    });

    it('starts iterations every 100 ms when each takes 20 ms (minPeriod 100, pause 20)', async () => {
      const starts = await startsOf({
        minPeriod: 100,
        pause: 20,
        durations: () => 20,
        run: 400,
      });
      expect(starts).toEqual([0, 100, 200, 300, 400]);
    });

    it('runs the first iteration at once', async () => {
      const starts = await startsOf({ minPeriod: 5_000, pause: 1_000, durations: () => 1, run: 0 });
      expect(starts).toEqual([0]);
    });

    it('keeps the pace when every iteration fails (no hot loop)', async () => {
      const starts = await startsOf({
        minPeriod: 300,
        pause: 100,
        durations: () => 50,
        fails: true,
        run: 1_000,
      });
      expect(starts).toEqual([0, 300, 600, 900]);
    });

    it('keeps the pause after a failing iteration that throws at once', async () => {
      const starts: number[] = [];
      const t0 = Date.now();
      const svc = launch({
        id: 'thrower',
        pause: 200,
        maxFailures: 1_000,
        iterate() {
          starts.push(Date.now() - t0);
          throw new Error('sync boom');
        },
      });
      await advance(700);
      expect(starts).toEqual([0, 200, 400, 600]);
      expect(svc.tree().failures).toBe(4);
      svc.actor.stop();
    });
  });

  describe('pyaltt options', () => {
    it('keeps interval from start to start (interval 100, iterations of 30 ms)', async () => {
      const starts = await startsOf({ interval: 100, durations: () => 30, run: 350 });
      expect(starts).toEqual([0, 100, 200, 300]);
    });

    it('never catches up after an iteration longer than interval: the next starts right after it, no burst', async () => {
      const starts = await startsOf({
        interval: 100,
        durations: (i) => (i === 1 ? 250 : 10),
        run: 600,
      });
      // 0: [0, 10]; 1: [100, 350]; 2 at 350 (not 200 and 300 in a burst); then every 100.
      expect(starts).toEqual([0, 100, 350, 450, 550]);
    });

    it('waits delayBefore before each iteration, the first included', async () => {
      const starts = await startsOf({ delayBefore: 200, durations: () => 50, run: 800 });
      const t0 = starts[0];
      expect(t0).toBe(200);
      // each start comes delayBefore after the previous end
      expect(starts).toEqual([200, 450, 700]);
    });

    it('waits delayAfter after each iteration', async () => {
      const starts = await startsOf({ delayAfter: 100, durations: () => 50, run: 500 });
      expect(starts).toEqual([0, 150, 300, 450]);
    });

    it('adds delayAfter to pause', async () => {
      const starts = await startsOf({ pause: 60, delayAfter: 40, durations: () => 50, run: 450 });
      expect(starts).toEqual([0, 150, 300, 450]);
    });

    it('does not skip the wait after a failing iteration (interval 100)', async () => {
      const starts = await startsOf({ interval: 100, durations: () => 10, fails: true, run: 350 });
      expect(starts).toEqual([0, 100, 200, 300]);
    });

    it('does not skip delayBefore after a failing iteration', async () => {
      const starts = await startsOf({
        delayBefore: 100,
        durations: () => 0,
        fails: true,
        run: 350,
      });
      expect(starts).toEqual([100, 200, 300]);
    });
  });

  describe('back to back (minPeriod 0, pause 0)', () => {
    it('schedules no timer between iterations and needs no time to pass', async () => {
      const target = 5_000;
      const timerCounts = new Set<number>();
      const reached = deferred();
      const t0 = Date.now();
      const svc = launch({
        id: 'hot',
        iterate(ctx) {
          timerCounts.add(vi.getTimerCount());
          if (ctx.iteration === target - 1) {
            reached.resolve();
            ctx.stop();
          }
        },
      });
      // Only promises and the loop's own yields run here: fake time never moves.
      await reached.promise;
      expect([...timerCounts]).toEqual([0]);
      expect(Date.now()).toBe(t0);
      await waitFor(svc.actor, (s) => s.matches('stopped'));
      expect(svc.tree().iterations).toBe(target);
    });

    it('runs async iterations back to back without timers', async () => {
      const reached = deferred();
      let timersSeen = 0;
      const svc = launch({
        id: 'hot-async',
        async iterate(ctx) {
          timersSeen = Math.max(timersSeen, vi.getTimerCount());
          await Promise.resolve();
          if (ctx.iteration === 999) {
            reached.resolve();
            ctx.stop();
          }
        },
      });
      await reached.promise;
      await waitFor(svc.actor, (s) => s.matches('stopped'));
      expect(timersSeen).toBe(0);
      expect(svc.tree().iterations).toBe(1_000);
    });
  });

  describe('every wait is interruptible', () => {
    it('stops at once during a 10 s pause (no waiting out the period)', async () => {
      const onStop = vi.fn();
      const svc = launch({ id: 'slow', pause: 10_000, iterate() {}, onStop });
      await settle();
      expect(svc.tree().iterations).toBe(1);
      await advance(1_000);
      const before = Date.now();
      svc.actor.send({ type: 'service.stop' });
      await settle();
      expect(svc.state()).toBe('stopped');
      expect(Date.now()).toBe(before);
      expect(onStop).toHaveBeenCalledOnce();
      expect(svc.tree().iterations).toBe(1);
    });

    it('stops at once during a 10 s minPeriod when ctx.stop() is called from outside the iteration', async () => {
      let stopFromOutside: (() => void) | undefined;
      const svc = launch({
        id: 'timer-stop',
        minPeriod: 10_000,
        iterate(ctx) {
          stopFromOutside = () => ctx.stop();
        },
      });
      await advance(2_000);
      const before = Date.now();
      stopFromOutside?.();
      await settle();
      expect(svc.state()).toBe('stopped');
      expect(Date.now()).toBe(before);
      expect(svc.tree().iterations).toBe(1);
    });

    it('stops at once during delayBefore', async () => {
      const iterate = vi.fn();
      const svc = launch({ id: 'before', delayBefore: 10_000, iterate });
      await advance(3_000);
      svc.actor.send({ type: 'service.stop' });
      await settle();
      expect(svc.state()).toBe('stopped');
      expect(iterate).not.toHaveBeenCalled();
    });

    it('leaves no timer behind once stopped', async () => {
      const svc = launch({ id: 'clean', minPeriod: 10_000, iterate() {} });
      await settle();
      await shutdown(svc.actor);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});

// Real-time tests. A loaded machine delays any real timer by tens of ms, so none of these
// measures how late a timer was: fairness is counted in iterations (a starved timer would see
// the loop run on without bound), and pacing is checked against the loop's own clock reads,
// where load can only make a start later, never earlier. The exact timelines are the
// fake-timer tests above.

/** A back-to-back loop yields to the event loop at least every this many iterations. */
const YIELD_AT_MOST_EVERY = 1_024;
/** Once 8 ms have passed since its last yield, it yields every this many iterations. */
const YIELD_WHEN_SLOW_EVERY = 16;
/**
 * How many iterations may run between a timer surely being due and it firing: the iteration in
 * flight reaches a yield, the event loop finishes its turn, and the next turn runs the timer.
 * Two yields suffice; three leave room for the phase the loop happened to be in.
 */
const YIELDS_BEFORE_A_DUE_TIMER_FIRES = 3;
/** Node rounds its timer clock to whole ms: by this much past its delay, a timer is surely due. */
const SURELY_DUE_AFTER = 2;

/**
 * Arms a real `setTimeout(delay)` and returns a probe: `tick(iterations)` is called by every
 * iteration, and `fired` resolves with the iterations counted since the timer was surely due.
 */
function dueTimerProbe(delay: number) {
  const armed = performance.now();
  let dueAt: number | undefined;
  let seen = 0;
  const fired = new Promise<{ atIteration: number; sinceDue: number }>((resolve) => {
    setTimeout(() => resolve({ atIteration: seen, sinceDue: seen - (dueAt ?? seen) }), delay);
  });
  return {
    fired,
    tick(iterations: number): void {
      seen = iterations;
      if (dueAt === undefined && performance.now() >= armed + delay + SURELY_DUE_AFTER) {
        dueAt = iterations;
      }
    },
  };
}

describe('service pacing in real time', () => {
  /** Stopped after each test, so a failed assertion leaves no loop running into the next. */
  const started: AnyActorRef[] = [];
  afterEach(() => {
    for (const actor of started.splice(0)) actor.stop();
    vi.restoreAllMocks();
  });

  it('lets a timer fire within a few yields when timed iterations outlast their period and no wait is ever needed', async () => {
    const probe = dueTimerProbe(20);
    let iterations = 0;
    const svc = launch({
      id: 'overrun',
      minPeriod: 1,
      iterate() {
        const until = performance.now() + 2;
        while (performance.now() < until) {
          // a synchronous 2 ms of work: longer than minPeriod, so no timer is ever set
        }
        probe.tick(++iterations);
      },
    });
    started.push(svc.actor);
    const { atIteration, sinceDue } = await probe.fired;
    // Each 16 iterations take 32 ms, over the 8 ms that make the loop yield every 16.
    expect(sinceDue).toBeLessThanOrEqual(YIELDS_BEFORE_A_DUE_TIMER_FIRES * YIELD_WHEN_SLOW_EVERY);
    expect(atIteration).toBeGreaterThan(0);
    await shutdown(svc.actor);
  });

  it('lets a real setTimeout fire within a few yields while it loops back to back, and loops on after it', async () => {
    const probe = dueTimerProbe(50);
    let iterations = 0;
    let seenAtTimer: number | undefined;
    const loopedOn = deferred();
    const svc = launch({
      id: 'busy',
      iterate() {
        probe.tick(++iterations);
        if (seenAtTimer !== undefined && iterations > seenAtTimer) loopedOn.resolve();
      },
    });
    started.push(svc.actor);
    const { atIteration, sinceDue } = await probe.fired;
    seenAtTimer = atIteration;
    expect(sinceDue).toBeLessThanOrEqual(YIELDS_BEFORE_A_DUE_TIMER_FIRES * YIELD_AT_MOST_EVERY);
    expect(seenAtTimer).toBeGreaterThan(0);
    expect(getTree(svc.actor).state).toBe('running');
    // It still loops after the timer fired.
    await loopedOn.promise;
    expect(iterations).toBeGreaterThan(seenAtTimer);
    await shutdown(svc.actor);
    expect(getTree(svc.actor).state).toBe('stopped');
  });

  it('never starts an iteration before minPeriod is over on real timers (minPeriod 100, pause 20, iterations of 20 ms)', async () => {
    // The loop reads the default clock (performance.now) last just before it calls iterate:
    // that read is the start it paces from, exact however late the process runs.
    const realNow = performance.now.bind(performance);
    let lastRead = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => {
      lastRead = realNow();
      return lastRead;
    });
    const starts: number[] = [];
    const done = deferred();
    const actor = createActor(
      createService({
        id: 'real',
        minPeriod: 100,
        pause: 20,
        logger: createCapturingLogger(),
        async iterate(ctx) {
          starts.push(lastRead);
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (ctx.iteration === 4) {
            ctx.stop();
            done.resolve();
          }
        },
      }),
    ).start();
    started.push(actor);
    await done.promise;
    await waitFor(actor, (s) => s.matches('stopped'));
    const gaps = relative(starts)
      .slice(1)
      .map((t, i) => t - (relative(starts)[i] ?? 0));
    expect(gaps).toHaveLength(4);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(100);
    }
  });
});
