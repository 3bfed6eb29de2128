/**
 * The errors a supervisor fails with on its own account: its restart intensity exceeded, or
 * its `onStart` vetoed its start.
 */
import { XstateSupervisorError } from '../core/errors.ts';

/**
 * The error a supervisor fails with when its restart intensity is exceeded (more than
 * `maxRestarts` restarts within `restartWindow`). `code` is `INTENSITY_EXCEEDED`; `cause` is
 * the last failure that asked for a restart.
 *
 * It is the `reason` of the `supervisor.intensity-exceeded` report, the supervisor's
 * `lastError`, and, at the root, the `error` of `run()`'s result. Its parent sees it as a
 * child failure and applies its own strategy (escalation).
 *
 * @example
 * ```ts
 * actor.on('supervisor.intensity-exceeded', (r) => {
 *   if (r.reason instanceof IntensityExceededError) console.error(r.reason.message, r.reason.cause);
 * });
 * ```
 */
export class IntensityExceededError extends XstateSupervisorError {
  constructor(id: string, maxRestarts: number, window: number, last: unknown) {
    const cause = last instanceof Error ? last.message : String(last);
    super(
      'INTENSITY_EXCEEDED',
      `Supervisor "${id}" exceeded ${maxRestarts} restarts within ${window} ms (last: ${cause}); it stopped its children and failed.`,
      { cause: last },
    );
  }
}

/**
 * The error a supervisor fails with when its `onStart` vetoes its start: it threw, returned
 * `false`, or overran `hookTimeout`. No child was started and nothing is left running. `code`
 * is `SUPERVISOR_START_VETOED`; `cause` is what `onStart` threw (a `HookError` when it was a
 * list of hooks). Its parent sees it as a child failure and applies its strategy; at the root,
 * `run()` ends with code 1 and this error.
 *
 * @example
 * ```ts
 * const { error } = await run(root, { exit: false }).done;
 * if (error instanceof SupervisorStartVetoedError) console.error(error.message, error.cause);
 * ```
 */
export class SupervisorStartVetoedError extends XstateSupervisorError {
  /** The supervisor whose `onStart` vetoed. */
  readonly supervisor: string;
  constructor(id: string, how: string, cause?: unknown) {
    super(
      'SUPERVISOR_START_VETOED',
      `Supervisor "${id}" did not start: its onStart ${how}; no child was started.`,
      cause === undefined ? undefined : { cause },
    );
    this.supervisor = id;
  }
}
