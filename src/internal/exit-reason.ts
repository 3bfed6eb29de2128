/**
 * Why a child ended, as a tagged union, and the pure restart decision (OTP's do_restart/3).
 * Internal: not exported from the package (blocked by the `exports` map).
 */

/** OTP restart types. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** Why a generation ended. */
export type ExitReason =
  /** It ended on its own (`ctx.stop()`, a finite body). */
  | { readonly _tag: 'Normal' }
  /** It was asked to stop (by its supervisor, a command, a shutdown). */
  | { readonly _tag: 'Shutdown' }
  /** It failed: too many iteration failures, a failed start, `child.fail`. */
  | { readonly _tag: 'Failure'; readonly error: Error };

export const NORMAL: ExitReason = { _tag: 'Normal' };
export const SHUTDOWN: ExitReason = { _tag: 'Shutdown' };
export const failure = (error: Error): ExitReason => ({ _tag: 'Failure', error });

/**
 * Whether a child that ended for `reason` is restarted, given its restart type.
 * `permanent`: always (but not after a requested shutdown); `transient`: only after a failure;
 * `temporary`: never.
 */
export function shouldRestart(restart: RestartType, reason: ExitReason): boolean {
  if (restart === 'temporary' || reason._tag === 'Shutdown') return false;
  return restart === 'permanent' || reason._tag === 'Failure';
}
