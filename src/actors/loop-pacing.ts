/**
 * A service generation's pacing run: the loop that sleeps as its pacing (or schedule) says,
 * runs one iteration, and counts it. The hot path: no XState event, no info log, no object per
 * iteration; only its end (done, failed) is reported.
 */
import { toError } from '../core/errors.ts';
import { isBackToBack, nextStart } from '../core/pacing.ts';
import { telemetryHooks } from '../internal/telemetry-hooks.ts';
import { Yielder } from '../internal/waiter.ts';
import type { Clock } from '../internal/xstate.ts';
import type { LoopHost } from './loop-host.ts';
import { isAbortError, isThenable, type LoopRun } from './loop-run.ts';

/**
 * Sleeps until the clock reaches `at` (interruptibly). Timers may fire a little early by
 * `performance.now()`, so the remainder is waited again: a period is never cut short.
 * Resolves to whether it slept at all.
 */
async function sleepUntil(run: LoopRun, at: number, clock: Required<Clock>): Promise<boolean> {
  let wait = at - clock.now();
  if (wait <= 0) return false;
  while (wait > 0) {
    await run.waiter.sleep(wait);
    if (run.halted || run.stopByCtx) break;
    wait = at - clock.now();
  }
  return true;
}

/**
 * Runs `run`'s iterations until it halts, fails past `maxFailures`, or stops by `ctx.stop()`;
 * then reports its end (unless it was fenced).
 *
 * @example
 * ```ts
 * run.done = Promise.resolve().then(() => runIterations(rt, run));
 * ```
 */
export async function runIterations(rt: LoopHost, run: LoopRun): Promise<void> {
  const o = rt.opts;
  const clock = rt.clock;
  const iterate = o.iterate;
  const ctx = run.ctx;
  const schedule = o.schedule;
  const backToBack = !schedule && isBackToBack(o);
  // Yields now and then when no timer separates iterations (back to back, or timed pacing
  // whose iterations outlast the period), so timers and I/O still run.
  const yielder = new Yielder();
  let start = 0;
  let end = 0;
  let first = true;
  while (!run.halted && !run.stopByCtx) {
    let slept = false;
    if (schedule) {
      const now = clock.now();
      const at = first ? schedule.first(now, rt.logger) : schedule.next(start, end, now, rt.logger);
      slept = await sleepUntil(run, at, clock);
      if (run.halted || run.stopByCtx) break;
    } else if (!backToBack) {
      if (!first) {
        slept = await sleepUntil(run, nextStart(o, start, end), clock);
        if (run.halted || run.stopByCtx) break;
      }
      if (o.delayBefore > 0) {
        slept = (await sleepUntil(run, clock.now() + o.delayBefore, clock)) || slept;
        if (run.halted || run.stopByCtx) break;
      }
    }
    if (!slept) {
      const pause = yielder.check();
      if (pause) {
        await pause;
        if (run.halted || run.stopByCtx) break;
      }
    }
    if (!backToBack) start = clock.now();
    first = false;
    ctx.iteration = rt.iterations;
    try {
      const traced = telemetryHooks.current;
      const result = traced === undefined ? iterate(ctx) : traced.iteration(rt, ctx, iterate);
      if (isThenable(result)) await result;
    } catch (e) {
      // An iteration that gives up because we aborted its signal did what it was asked.
      // A graceful task's failure the iteration awaited was counted when the task failed.
      if (!(run.halted && isAbortError(e)) && !run.isCountedTaskError(e)) {
        rt.recordFailure(run, toError(e));
      }
    }
    if (run.fenced) return;
    rt.iterations++;
    if (!backToBack) end = clock.now();
    if (run.failedWith) break;
    if (run.stopByCtx) break;
  }
  if (run.fenced) return;
  if (run.failedWith) {
    run.halted = true;
    rt.reportEnd(run, { type: 'loop.failed', error: run.failedWith });
  } else if (run.stopByCtx) {
    run.halted = true;
    rt.reportEnd(run, { type: 'loop.done' });
  }
}
