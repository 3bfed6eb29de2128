/**
 * Why a child ended, as a tagged union, and the pure restart decision (OTP's do_restart/3).
 * Internal (blocked by the `exports` map), except the types `RestartType` and `ExitReason`,
 * which the package root re-exports.
 */

/**
 * OTP restart types: whether a supervisor restarts a child that ended. `permanent`: always,
 * even after it ended normally (`ctx.stop()`); `transient`: only after a failure; `temporary`:
 * never. None is restarted after a stop that was asked for (a shutdown, `child.stop`).
 *
 * Gotcha: a finite job that ends with `ctx.stop()` must be `transient` (or `temporary`);
 * `permanent` runs it again at once, and again, until the restart intensity trips.
 *
 * @example
 * ```ts
 * const migrate = createService({
 *   id: 'migrate',
 *   restart: 'transient', // retried after a failure, not after it finished
 *   async iterate(ctx) {
 *     ctx.stop();
 *   },
 * });
 * ```
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/**
 * Why a generation ended, as a tagged union: `Normal` (it ended on its own), `Shutdown` (it
 * was asked to stop) or `Failure` (with the error). Whether a child is restarted is a pure
 * function of its {@link RestartType} and this reason.
 *
 * Reports do not carry this object: their `reason` is `'normal'` for `Normal`, the error for
 * `Failure`, and a word on why for a stop that was asked for.
 *
 * @example
 * ```ts
 * const describe = (reason: ExitReason): string =>
 *   reason._tag === 'Failure' ? `failed: ${reason.error.message}` : reason._tag.toLowerCase();
 * ```
 */
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
