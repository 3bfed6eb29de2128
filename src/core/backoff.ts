/**
 * The backoff between restarts, as a pure function: the same attempt and random draw always
 * give the same delay.
 */

/**
 * Backoff options of a supervisor: a delay before each automatic restart of a child, growing
 * with each restart of that child (see {@link backoffDelay}).
 *
 * Gotchas: `max` has two roles: the cap on the delay, and how long a child must have run
 * since its last start for its next restart to begin again at `initial`. The jitter spreads
 * both ways, so a delay can be below `initial` (never above `max`). Manual commands never
 * wait. A supervisor's stop cuts a pending delay short.
 *
 * @example
 * ```ts
 * const root = createSupervisor({
 *   id: 'root',
 *   strategy: 'one-for-one',
 *   backoff: { initial: 100, max: 10_000 }, // 100, 200, 400, ... 10 000 ms, ±20 %
 *   children: [createService({ id: 'flaky', iterate() {} })],
 * });
 * ```
 */
export interface BackoffOptions {
  /** Delay before the first restart of a child, in ms. Required. */
  initial: number;
  /**
   * The largest delay, in ms, at least `initial`; also how long a child must run before its
   * backoff resets. Required.
   */
  max: number;
  /**
   * Growth per attempt.
   * @default 2
   */
  factor?: number;
  /**
   * Random spread as a fraction: 0.2 gives ±20 %.
   * @default 0.2
   */
  jitter?: number;
}

/**
 * The delay before restart number `attempt` (0-based):
 * `min(max, initial · factor^attempt) · (1 + jitter · (2·random − 1))`, never above `max`.
 *
 * @example
 * ```ts
 * backoffDelay({ initial: 100, max: 10_000, factor: 2, jitter: 0 }, 3); // 800
 * backoffDelay({ initial: 100, max: 10_000 }, 0, () => 0.5); // 100 (jitter centred)
 * ```
 */
export function backoffDelay(
  options: BackoffOptions,
  attempt: number,
  random: () => number = Math.random,
): number {
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.2;
  const base = Math.min(options.max, options.initial * factor ** attempt);
  const spread = jitter === 0 ? 1 : 1 + jitter * (2 * random() - 1);
  return Math.max(0, Math.min(options.max, Math.round(base * spread)));
}
