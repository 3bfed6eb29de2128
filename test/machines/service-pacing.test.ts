import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, waitFor } from 'xstate';
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

// Real-time tests: a loaded machine can delay any timer, so each gets two retries. A real
// starvation or pacing bug misses by hundreds of ms and fails every attempt.
describe('service pacing in real time', { retry: 2 }, () => {
  it('lets a timer fire when timed iterations outlast their period and no wait is ever needed', async () => {
    const svc = launch({
      id: 'overrun',
      minPeriod: 1,
      iterate() {
        const until = performance.now() + 2;
        while (performance.now() < until) {
          // a synchronous 2 ms of work: longer than minPeriod, so no timer is ever set
        }
      },
    });
    const started = performance.now();
    await new Promise<void>((resolve) => setTimeout(resolve, 20));
    const late = performance.now() - started - 20;
    // Within the tolerance plus one iteration in flight when the timer came due.
    expect(late).toBeLessThanOrEqual(20 + 2);
    await shutdown(svc.actor);
  });

  it('lets a real setTimeout fire on time while it loops back to back', async () => {
    let iterations = 0;
    const svc = launch({
      id: 'busy',
      iterate() {
        iterations++;
      },
    });
    const started = performance.now();
    const seenAtTimer = await new Promise<number>((resolve) => {
      setTimeout(() => resolve(iterations), 50);
    });
    const late = performance.now() - started - 50;
    expect(late).toBeLessThanOrEqual(20);
    expect(seenAtTimer).toBeGreaterThan(0);
    expect(getTree(svc.actor).state).toBe('running');
    // It still loops after the timer fired.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(iterations).toBeGreaterThan(seenAtTimer);
    await shutdown(svc.actor);
    expect(getTree(svc.actor).state).toBe('stopped');
  });

  it('keeps minPeriod in real time (minPeriod 100, pause 20, iterations of 20 ms)', async () => {
    const starts: number[] = [];
    const done = deferred();
    const actor = createActor(
      createService({
        id: 'real',
        minPeriod: 100,
        pause: 20,
        logger: createCapturingLogger(),
        async iterate(ctx) {
          starts.push(performance.now());
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (ctx.iteration === 4) {
            ctx.stop();
            done.resolve();
          }
        },
      }),
    ).start();
    await done.promise;
    await waitFor(actor, (s) => s.matches('stopped'));
    const gaps = relative(starts)
      .slice(1)
      .map((t, i) => t - (relative(starts)[i] ?? 0));
    expect(gaps).toHaveLength(4);
    for (const gap of gaps) {
      expect(Math.abs(gap - 100)).toBeLessThanOrEqual(20);
    }
  });
});
