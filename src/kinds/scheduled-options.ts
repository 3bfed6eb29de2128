/**
 * The options the timed service kinds (periodic, cron) share with `createService`, and the
 * check of a wait a Node timer can do.
 */

import type { ServiceOptions } from '../core/service-options.ts';
import type { Fail } from '../core/validate.ts';

/**
 * The longest wait a Node timer can do: `setTimeout` turns anything longer into 1 ms (with a
 * `TimeoutOverflowWarning`), and the loop's wait does not guard against it. @internal
 *
 * @example
 * ```ts
 * const wait = Math.min(fireTime - Date.now(), MAX_TIMER_DELAY); // wake up early, wait again
 * ```
 */
export const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * The options of `createService` that the timed kinds (`createPeriodicService`,
 * `createCronService`) accept as they are: failures, stop, restart type, hooks, logger,
 * actions, graceful tasks. Each keeps its meaning and default from {@link ServiceOptions}.
 *
 * Gotcha: the pacing options of `createService` (`minPeriod`, `pause`, `interval`,
 * `delayBefore`, `delayAfter`) are not among them: a kind's schedule replaces them, and
 * passing one is an unknown-option error.
 *
 * @example
 * ```ts
 * const common: ScheduledCommonOptions = { maxFailures: 3, gracePeriod: 2_000, restart: 'transient' };
 * createPeriodicService({ id: 'flush', every: 1_000, run() {}, ...common });
 * ```
 */
export type ScheduledCommonOptions = Pick<
  ServiceOptions,
  | 'maxFailures'
  | 'gracePeriod'
  | 'restart'
  | 'resetGlobally'
  | 'significant'
  | 'onStart'
  | 'onStop'
  | 'logger'
  | 'actions'
  | 'gracefulWaitTimeout'
  | 'cancelOnTimeout'
  | 'config'
>;

/**
 * A wait a Node timer can do: finite, `> 0` (or `>= 0` with `zero`), at most
 * {@link MAX_TIMER_DELAY}; else `fail` names the option. @internal
 *
 * @example
 * ```ts
 * const every = checkTimerDelay(options.every, 'every', fail, false);
 * ```
 */
export function checkTimerDelay(value: unknown, option: string, fail: Fail, zero: boolean): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (zero ? value < 0 : value <= 0) ||
    value > MAX_TIMER_DELAY
  ) {
    fail({
      option,
      received: value,
      expected: `a number of milliseconds ${zero ? '>=' : '>'} 0 and <= ${MAX_TIMER_DELAY}`,
    });
  }
  return value;
}
