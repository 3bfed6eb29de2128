/**
 * The pacing rules of a loop service, as pure functions of the options and the times of the
 * last iteration. Tested without timers.
 */

/** Pacing options, all in milliseconds (0 when not set). */
export interface Pacing {
  /** GCL `iter_min_period`: at least this long from one start to the next. */
  readonly minPeriod: number;
  /** GCL `iter_pause`: at least this long from one end to the next start. */
  readonly pause: number;
  /** pyaltt `interval`: start to start, never catching up after a late run. */
  readonly interval: number;
  /** pyaltt `delay_before`: a wait before every iteration, the first included. */
  readonly delayBefore: number;
  /** pyaltt `delay_after`: a wait after every iteration (adds to `pause`). */
  readonly delayAfter: number;
}

/**
 * When the next iteration may start, given the last one's start and end (GCL rule):
 * `max(start + minPeriod, start + interval, end + pause + delayAfter)`. `delayBefore` is waited
 * after this point. A late run never causes a burst: the result is never before `end`.
 *
 * @example
 * ```ts
 * nextStart({ minPeriod: 300, pause: 100, interval: 0, delayBefore: 0, delayAfter: 0 }, 0, 350); // 450
 * ```
 */
export function nextStart(p: Pacing, start: number, end: number): number {
  return Math.max(start + p.minPeriod, start + p.interval, end + p.pause + p.delayAfter);
}

/** True when iterations run back to back, with no timer between them. */
export function isBackToBack(p: Pacing): boolean {
  return (
    p.minPeriod === 0 &&
    p.pause === 0 &&
    p.interval === 0 &&
    p.delayBefore === 0 &&
    p.delayAfter === 0
  );
}
