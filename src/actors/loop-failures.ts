/**
 * A service's failure accounting: how a failure of an iteration, a task or `ctx.fail()` is
 * counted toward `maxFailures` (in a `failureWindow`, if set) and ends the generation past it,
 * and the one log line of each failed start and each kill (decisions 0049 and 0095).
 */
import { KilledError, toError } from '../core/errors.ts';
import { failure, SHUTDOWN } from '../core/exit-reason.ts';
import { markLogged } from '../core/logger.ts';
import { lastErrorOf } from './last-error.ts';
import type { LoopHost } from './loop-host.ts';
import { isAbortError, type LoopRun } from './loop-run.ts';

/**
 * Counts a failure of `run` (a throw, a rejection, or `ctx.fail()`); failure number
 * `maxFailures + 1` (within `failureWindow`, if set) ends the generation now. A failure of a
 * fenced or replaced generation is not counted.
 *
 * @example
 * ```ts
 * recordFailure(rt, run, new Error('upstream down'), 'iteration failed');
 * ```
 */
export function recordFailure(rt: LoopHost, run: LoopRun, error: Error, what: string): void {
  if (run.fenced || run !== rt.run) return;
  rt.failures++;
  rt.lastError = lastErrorOf(error);
  const max = rt.opts.maxFailures;
  const over = rt.failureTimes ? !rt.failureTimes.add(rt.clock.now()) : rt.failures > max;
  rt.logger.error(
    {
      generation: run.ctx.generation,
      iteration: run.ctx.iteration,
      failures: rt.failures,
      maxFailures: max,
      err: error,
    },
    what,
  );
  // This line is the failure's one line with its stack: its supervisor's report is not.
  markLogged(error);
  if (over && !run.failedWith) {
    run.failedWith = error;
    run.halt();
    // The failure ends the generation now, not when the iteration in flight returns: the
    // stop that follows bounds that iteration by gracePeriod, and kills it if it hangs.
    rt.reportEnd(run, { type: 'loop.failed', error });
  }
}

/**
 * The failures `getTree()` shows: those in the window with `failureWindow`, else all.
 *
 * @example
 * ```ts
 * node.failures = failureCount(rt);
 * ```
 */
export function failureCount(rt: LoopHost): number {
  return rt.failureTimes ? rt.failureTimes.count(rt.clock.now()) : rt.failures;
}

/**
 * Records a start that threw: the generation fails with it.
 *
 * @example
 * ```ts
 * startFailed(rt, new Error('cannot connect')); // rt.exit is a Failure
 * ```
 */
export function startFailed(rt: LoopHost, error: unknown): void {
  const err = toError(error);
  rt.logger.error({ generation: rt.generation, err }, 'onStart threw; the start failed');
  markLogged(err);
  rt.setExit(failure(err));
}

/**
 * The start ended by a throw after a stop was asked for: the service ends stopped.
 *
 * @example
 * ```ts
 * startAborted(rt, error); // rt.exit is SHUTDOWN; a kill is logged as one
 * ```
 */
export function startAborted(rt: LoopHost, error: unknown): void {
  rt.setExit(SHUTDOWN);
  if (error instanceof KilledError) {
    rt.killed = true;
    logKill(rt, error);
  } else if (!isAbortError(error)) {
    rt.logger.warn(
      { generation: rt.generation, err: toError(error) },
      'onStart threw after a stop was asked for; stopped',
    );
  }
}

/**
 * The kill's one line (decision 0049): warn, with the grace period and the advice, and no
 * stack (the kill is no throw in the user's code; its stack would name the package's
 * internals). Its supervisor's `child.killed` is then written at debug.
 *
 * @example
 * ```ts
 * logKill(rt, new KilledError(rt.opts.id, rt.generation, rt.opts.gracePeriod));
 * ```
 */
export function logKill(rt: LoopHost, error: KilledError): void {
  rt.logger.warn(
    {
      generation: rt.generation,
      gracePeriod: rt.opts.gracePeriod,
      code: error.code,
      reason: error.message,
    },
    'generation killed',
  );
}
