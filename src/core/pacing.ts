/**
 * The pacing rules of a loop service, as pure functions of the options and the times of the
 * last iteration. Tested without timers.
 */

/**
 * The pacing options of a service, all in milliseconds, as {@link nextStart} and
 * {@link isBackToBack} read them.
 *
 * Unlike `ServiceOptions`, every field is required here: pass 0 for a rule that is not used
 * (a resolved service's options are already in this shape).
 *
 * @example
 * ```ts
 * const pacing: Pacing = { minPeriod: 300, pause: 100, interval: 0, delayBefore: 0, delayAfter: 0 };
 * nextStart(pacing, 0, 50); // 300: minPeriod wins over end + pause (150)
 * ```
 */
export interface Pacing {
  /**
   * GCL `iter_min_period`: at least this long from one start to the next.
   * @default 0 (when the service option is not set)
   */
  readonly minPeriod: number;
  /**
   * GCL `iter_pause`: at least this long from one end to the next start.
   * @default 0 (when the service option is not set)
   */
  readonly pause: number;
  /**
   * pyaltt `interval`: start to start, never catching up after a late run.
   * @default 0 (when the service option is not set)
   */
  readonly interval: number;
  /**
   * pyaltt `delay_before`: a wait before every iteration, the first included.
   * @default 0 (when the service option is not set)
   */
  readonly delayBefore: number;
  /**
   * pyaltt `delay_after`: a wait after every iteration (adds to `pause`).
   * @default 0 (when the service option is not set)
   */
  readonly delayAfter: number;
}

/**
 * When the next iteration may start, given the last one's start and end (GCL rule):
 * `max(start + minPeriod, start + interval, end + pause + delayAfter)`. `delayBefore` is waited
 * after this point. A late run never causes a burst: the result is never before `end`.
 *
 * The first iteration does not go through this rule: it starts at once (after `delayBefore`).
 *
 * @example
 * ```ts
 * nextStart({ minPeriod: 300, pause: 100, interval: 0, delayBefore: 0, delayAfter: 0 }, 0, 350); // 450
 * ```
 */
export function nextStart(p: Pacing, start: number, end: number): number {
  return Math.max(start + p.minPeriod, start + p.interval, end + p.pause + p.delayAfter);
}

/**
 * True when every pacing option is 0: iterations then run back to back, with no timer between
 * them.
 *
 * Back to back is not a busy loop: the service still yields to the event loop (a
 * `setImmediate`) every so often, so timers and I/O keep running. Timed pacing yields too
 * whenever an iteration starts without having waited.
 *
 * @example
 * ```ts
 * isBackToBack({ minPeriod: 0, pause: 0, interval: 0, delayBefore: 0, delayAfter: 0 }); // true
 * isBackToBack({ minPeriod: 0, pause: 1, interval: 0, delayBefore: 0, delayAfter: 0 }); // false
 * ```
 */
export function isBackToBack(p: Pacing): boolean {
  return (
    p.minPeriod === 0 &&
    p.pause === 0 &&
    p.interval === 0 &&
    p.delayBefore === 0 &&
    p.delayAfter === 0
  );
}
