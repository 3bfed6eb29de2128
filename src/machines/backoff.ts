/**
 * The backoff between restarts, as a pure function: the same attempt and random draw always
 * give the same delay.
 */

/** Backoff options of a supervisor. */
export interface BackoffOptions {
  /** Delay before the first restart of a child, in ms. */
  initial: number;
  /** The largest delay; also how long a child must run before its backoff resets. */
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
