/**
 * What a recurring service's run returned, and what it means for the next wait: the pure rule
 * behind `createRecurringService`, tested without timers.
 */
import { describeValue, XstateSupervisorError } from '../core/errors.ts';
import { MAX_TIMER_DELAY } from './scheduled-options.ts';

/**
 * What a recurring service's `run` returns: the delay in ms before the next run (from this
 * one's end), `'skip'` (this run did nothing; the next comes after the current delay), or
 * `'stop'` (the recurrence ends; the service ends normally).
 *
 * @example
 * ```ts
 * const next = (queued: number): RecurringNext => (queued === 0 ? 'skip' : 100);
 * ```
 */
export type RecurringNext = number | 'skip' | 'stop';

/**
 * The decision taken from a run's result. @internal
 *
 * @example
 * ```ts
 * const d: RecurringDecision = decideNext(250, 1_000); // { kind: 'delay', delay: 250 }
 * ```
 */
export type RecurringDecision =
  | { readonly kind: 'delay'; readonly delay: number }
  | { readonly kind: 'skip'; readonly delay: number }
  | { readonly kind: 'stop' }
  | { readonly kind: 'invalid'; readonly received: unknown };

/** What `run` may return, in words, for errors. */
export const RECURRING_EXPECTED = `a number of milliseconds >= 0 and <= ${MAX_TIMER_DELAY}, 'skip' or 'stop'`;

/**
 * The rule: a number becomes the delay (the cadence from now on), `'skip'` keeps the current
 * delay, `'stop'` ends, anything else is invalid (the current delay is kept). @internal
 *
 * @example
 * ```ts
 * decideNext('skip', 500); // { kind: 'skip', delay: 500 }
 * decideNext(-1, 500); // { kind: 'invalid', received: -1 }
 * ```
 */
export function decideNext(result: unknown, current: number): RecurringDecision {
  if (result === 'skip') return { kind: 'skip', delay: current };
  if (result === 'stop') return { kind: 'stop' };
  if (
    typeof result === 'number' &&
    Number.isFinite(result) &&
    result >= 0 &&
    result <= MAX_TIMER_DELAY
  ) {
    return { kind: 'delay', delay: result };
  }
  return { kind: 'invalid', received: result };
}

/**
 * A recurring service's `run` returned something that is not a {@link RecurringNext}. It
 * counts as a failure of the service (`lastError`, the log) and the current delay is kept.
 * `code` is `RECURRING_RESULT_INVALID`.
 *
 * @example
 * ```ts
 * // run returned undefined (a forgotten `return`):
 * // RecurringResultError: Recurring service "poll": `run` returned `undefined` (undefined);
 * // expected a number of milliseconds >= 0 and <= 2147483647, 'skip' or 'stop'. ...
 * ```
 */
export class RecurringResultError extends XstateSupervisorError {
  /** The service id. */
  readonly service: string;
  /** What `run` returned. */
  readonly received: unknown;
  /** What it may return. */
  readonly expected: string;
  constructor(service: string, received: unknown, current: number) {
    super(
      'RECURRING_RESULT_INVALID',
      `Recurring service "${service}": \`run\` returned ${describeValue(received)}; expected ${RECURRING_EXPECTED}. The next run comes after the current delay (${current} ms); return a value from every path of \`run\`.`,
    );
    this.service = service;
    this.received = received;
    this.expected = RECURRING_EXPECTED;
  }
}
