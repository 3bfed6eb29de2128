/**
 * How a service generation ends on purpose: the stop (halt the loop, wait for the iteration in
 * flight and the graceful tasks, run `onStop`, all within `gracePeriod`, then kill and fence),
 * and the hard reset (abort, fence, and prepare the next generation without the hooks).
 */
import { KilledError, toError } from '../core/errors.ts';
import { settlesWithin } from '../internal/waiter.ts';
import { logKill } from './loop-failures.ts';
import type { LoopHost } from './loop-host.ts';
import { LoopRun } from './loop-run.ts';

/**
 * The stop: halt the loop, wait for the iteration in flight, run `onStop` once; all within
 * `gracePeriod`, after which the generation is killed and fenced. Resolves to whether it was
 * killed. Call it once per generation (the runtime's `finish()` keeps it so).
 *
 * @example
 * ```ts
 * rt.finishing ??= finishGeneration(rt);
 * ```
 */
export async function finishGeneration(rt: LoopHost): Promise<{ killed: boolean }> {
  const run = rt.run;
  const clock = rt.clock;
  const grace = rt.opts.gracePeriod;
  const deadline = clock.now() + grace;
  let killed = false;
  // Graceful tasks left running on purpose (`cancelOnTimeout: false`): even a kill spares them.
  let tasksLeft = false;
  if (run) {
    run.halt();
    if (run.haltedAsleep) await run.done;
    else if (!(await settlesWithin(run.done, grace, clock))) killed = true;
    if (!killed && run.taskCount > 0) {
      const outcome = await drainTasks(rt, run, deadline);
      tasksLeft = outcome !== 'settled' && !rt.opts.cancelOnTimeout;
      // The tasks used up the whole gracePeriod: the stop is over its bound.
      if (outcome === 'deadline') killed = true;
    }
  }
  if (rt.sessionOpen) {
    rt.sessionOpen = false;
    // Without `onStop` there is nothing to wait for, and no timer to arm.
    if (rt.opts.onStop) {
      const stopping = callOnStop(rt, run);
      if (!killed && !(await settlesWithin(stopping, deadline - clock.now(), clock))) {
        killed = true;
      }
    }
  }
  if (killed) {
    if (run) {
      run.fenced = true;
      if (!tasksLeft && run.taskCount > 0) run.tasks.abortAll();
    }
    rt.killed = true;
    logKill(rt, new KilledError(rt.opts.id, rt.generation, grace));
  }
  return { killed };
}

/**
 * Waits for the generation's graceful tasks, within `gracefulWaitTimeout` and the deadline.
 * Resolves to `'deadline'` when they were still running at the end of `gracePeriod`.
 */
async function drainTasks(
  rt: LoopHost,
  run: LoopRun,
  deadline: number,
): Promise<'settled' | 'timeout' | 'deadline'> {
  const left = Math.max(0, deadline - rt.clock.now());
  const timeout = Math.min(rt.opts.gracefulWaitTimeout, left);
  const pending = run.tasks.size;
  const cancelled = rt.opts.cancelOnTimeout;
  if ((await run.tasks.drain(timeout, cancelled, rt.clock)) === 'settled') return 'settled';
  rt.logger.warn(
    {
      generation: run.ctx.generation,
      pending: run.tasks.size,
      started: pending,
      timeout,
      cancelled,
    },
    cancelled
      ? 'graceful tasks still running after gracefulWaitTimeout; aborted'
      : 'graceful tasks still running after gracefulWaitTimeout; left running, fenced',
  );
  return timeout >= left ? 'deadline' : 'timeout';
}

/** Runs `onStop` with the generation's context; a throw is logged, never rethrown. */
async function callOnStop(rt: LoopHost, run: LoopRun | undefined): Promise<void> {
  const onStop = rt.opts.onStop;
  if (!onStop || !run) return;
  try {
    await onStop(run.ctx);
  } catch (e) {
    rt.logger.error(
      { generation: run.ctx.generation, err: toError(e) },
      'onStop threw; the stop completes anyway',
    );
  }
}

/**
 * Hard reset: abort, wait up to `gracePeriod` for the iteration in flight, fence that
 * generation, and prepare the next one. `onStart`/`onStop` are not run. Gotcha: a stop that
 * arrives meanwhile owns the generation; the reset then leaves it alone.
 *
 * @example
 * ```ts
 * await hardResetGeneration(rt); // then the machine starts the next generation's loop
 * ```
 */
export async function hardResetGeneration(rt: LoopHost): Promise<void> {
  const old = rt.run;
  if (old) {
    old.halt();
    const settled = await settlesWithin(old.done, rt.opts.gracePeriod, rt.clock);
    // A stop (or failure) arrived while we waited: it owns the generation now, and drains
    // or kills it by its own rules (graceful tasks are awaited, not aborted).
    if (rt.finishing || rt.run !== old) return;
    old.fenced = true;
    if (old.taskCount > 0) old.tasks.abortAll();
    if (!settled) {
      rt.logger.warn(
        { generation: old.ctx.generation, gracePeriod: rt.opts.gracePeriod },
        'hard reset: iteration still running after gracePeriod; generation fenced',
      );
    }
  }
  rt.generation++;
  rt.iterations = 0;
  rt.failures = 0;
  rt.failureTimes?.reset();
  rt.run = new LoopRun(rt, rt.generation, rt.clock);
}
