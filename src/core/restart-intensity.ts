/**
 * Restart intensity (OTP `intensity`/`period`): how many restarts a supervisor allows within a
 * sliding window before it gives up. Pure apart from the times it is given.
 */

/**
 * A sliding window of restart times: the restart intensity check a supervisor runs before
 * each automatic restart (`maxRestarts` within `restartWindow`).
 *
 * Pure: it reads no clock, the caller passes `now`. A restart exactly `window` ms old no
 * longer counts. The restart that is refused is still recorded.
 *
 * @example
 * ```ts
 * const w = new RestartWindow(3, 5_000);
 * w.add(0); w.add(1); w.add(2); // 3 restarts: allowed
 * w.add(3); // false: the 4th within 5 s exceeds maxRestarts
 * ```
 */
export class RestartWindow {
  private times: number[] = [];
  /** Restarts allowed within `window` (the supervisor's `maxRestarts`). */
  readonly maxRestarts: number;
  /** The sliding window, in ms (the supervisor's `restartWindow`). */
  readonly window: number;
  constructor(maxRestarts: number, window: number) {
    this.maxRestarts = maxRestarts;
    this.window = window;
  }

  /** Records a restart at `now`; false when it exceeds `maxRestarts` within the window. */
  add(now: number): boolean {
    this.prune(now);
    this.times.push(now);
    return this.times.length <= this.maxRestarts;
  }

  /** Restarts counted in the window ending at `now`. */
  count(now: number): number {
    this.prune(now);
    return this.times.length;
  }

  /** Forgets every restart (a supervisor started afresh). */
  reset(): void {
    this.times = [];
  }

  private prune(now: number): void {
    const from = now - this.window;
    let drop = 0;
    while (drop < this.times.length && this.times[drop]! <= from) drop++;
    if (drop > 0) this.times.splice(0, drop);
  }
}
