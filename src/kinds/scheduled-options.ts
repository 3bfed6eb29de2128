/**
 * The options the timed service kinds (periodic, cron) share with `createService`, and how a
 * kind splits its options into those and its own before validating them.
 */

import { ServiceConfigError } from '../core/errors.ts';
import type { ServiceOptions } from '../core/service-options.ts';
import { COMMON_SERVICE_OPTIONS } from '../core/service-options.ts';
import { checkObject, type Fail } from '../core/validate.ts';

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

/** The names of {@link ScheduledCommonOptions}, plus `id`. */
const COMMON = COMMON_SERVICE_OPTIONS;

/**
 * What {@link splitOptions} returns: the common options and a `fail` bound to the id.
 * @internal
 *
 * @example
 * ```ts
 * const { common, fail }: SplitOptions = splitOptions(options, ['every', 'run']);
 * ```
 */
export interface SplitOptions {
  /** Only the common options that were given (no `undefined` added). */
  readonly common: Record<string, unknown>;
  /** Throws a `ServiceConfigError` (`SERVICE_CONFIG_INVALID`) owned by the service id. */
  readonly fail: Fail;
}

/**
 * Checks that `options` is an object whose every key is a common option or one of `own`
 * (else `SERVICE_CONFIG_UNKNOWN_OPTION`), and returns the common ones, ready for
 * `resolveServiceOptions`. @internal
 *
 * @example
 * ```ts
 * const { common, fail } = splitOptions(options, ['cron', 'timezone', 'run']);
 * if (typeof options.cron !== 'string') fail({ option: 'cron', received: options.cron, expected: 'a string' });
 * const resolved = resolveServiceOptions({ ...common, iterate: options.run } as ServiceOptions);
 * ```
 */
export function splitOptions(options: unknown, own: readonly string[]): SplitOptions {
  const rawId = (options as { id?: unknown } | null | undefined)?.id;
  const owner = typeof rawId === 'string' ? rawId : undefined;
  const fail: Fail = (d) => {
    throw new ServiceConfigError({ ...d, owner });
  };
  checkObject(options, 'options', fail);
  const record = options as Record<string, unknown>;
  const known = [...COMMON, ...own];
  const common: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if ((COMMON as readonly string[]).includes(key)) {
      common[key] = record[key];
    } else if (!own.includes(key)) {
      throw new ServiceConfigError(
        {
          option: key,
          received: record[key],
          expected: `no such option; known options are ${known.join(', ')}`,
          owner,
        },
        'SERVICE_CONFIG_UNKNOWN_OPTION',
      );
    }
  }
  return { common, fail };
}

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
