/**
 * The latest failure of a service, supervisor or supervised actor, as `getTree()` shows it.
 */

/**
 * The latest failure of a service or supervisor, as `getTree()` shows it in `lastError`.
 *
 * It is kept across generations (a restart does not clear it), so read it together with
 * `failures`, which does restart at 0. `at` is wall-clock time (`Date.now()`), not the
 * injected clock, so it can be shown to people even in tests with a simulated clock.
 *
 * @example
 * ```ts
 * const { lastError } = getTree(actor);
 * if (lastError) console.log(new Date(lastError.at).toISOString(), lastError.message);
 * ```
 */
export interface LastError {
  /** The error's message. */
  readonly message: string;
  /** The error's stack, when it had one. */
  readonly stack?: string;
  /** When it was recorded, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/**
 * The `lastError` record of an error, stamped now (wall clock). @internal
 *
 * @example
 * ```ts
 * this.lastError = lastErrorOf(new Error('connection refused'));
 * ```
 */
export function lastErrorOf(error: Error): LastError {
  const { message, stack } = error;
  return stack === undefined ? { message, at: Date.now() } : { message, stack, at: Date.now() };
}
