/**
 * The recurring service kind (aiomisc `RecurringCallback` with a strategy): `run` decides,
 * each time, when it runs next, whether this run was a skip, or that the recurrence ends.
 */
import { isThenable } from '../actors/loop-run.ts';
import type { LoopSchedule, ServiceContext } from '../core/service-options.ts';
import { checkBoolean, checkFunction, type Fail } from '../core/validate.ts';
import type { ServiceMachine } from '../machines/service.ts';
import { defineKind } from './define-kind.ts';
import { decideNext, type RecurringNext, RecurringResultError } from './recurring-next.ts';
import { checkTimerDelay, type ScheduledCommonOptions } from './scheduled-options.ts';
import { Shield, timedHooks } from './scheduled-shield.ts';
import { type ActorStateBase, ActorStates, localOf, nextRunIn } from './scheduled-state.ts';

/**
 * Options of {@link createRecurringService}. Times are in milliseconds. Besides these, every
 * option of {@link ScheduledCommonOptions} (`maxFailures`, `gracePeriod`, `restart`, hooks,
 * `logger`, ...) works as in `createService`.
 *
 * @example
 * ```ts
 * const options: RecurringServiceOptions = {
 *   id: 'drain-outbox',
 *   every: 1_000,
 *   restart: 'transient', // 'stop' is a normal end: a permanent service would be restarted
 *   async run(ctx) {
 *     const res = await fetch('http://127.0.0.1:8080/outbox/flush', { method: 'POST', signal: ctx.signal });
 *     if (res.status === 410) return 'stop'; // the outbox is gone: the recurrence ends
 *     if (res.status === 204) return 'skip'; // nothing was sent: keep the current delay
 *     return 100; // busy: come back soon, and stay at 100 ms until told otherwise
 *   },
 * };
 * ```
 */
export interface RecurringServiceOptions extends ScheduledCommonOptions {
  /** Unique among siblings; `[A-Za-z0-9_.-]+`, not only dots. Required. */
  id: string;
  /**
   * The delay between runs (from one run's end to the next start) at the start of every
   * generation, until `run` returns another. A number >= 0, at most 2 147 483 647. Required.
   */
  every: number;
  /**
   * The wait before the first run of every generation.
   * @default 0 (the first run starts at once)
   */
  delay?: number;
  /**
   * The work, and the decision of what comes next. Returns (or resolves to):
   * - a number of ms: the next run starts that long after this one ended, and this becomes the
   *   current delay;
   * - `'skip'`: this run counts as skipped (`details.skipped`); the next comes after the
   *   current delay;
   * - `'stop'`: the recurrence ends, and the service ends normally (as `ctx.stop()`): a
   *   `permanent` service is restarted by its supervisor, a `transient` one is not.
   *
   * A throw or rejection is a counted failure and keeps the current delay; so does a value
   * that is none of these (a `RecurringResultError`, `RECURRING_RESULT_INVALID`). Required.
   */
  run: (ctx: ServiceContext) => RecurringNext | PromiseLike<RecurringNext>;
  /**
   * As for periodic services: a run in flight is not cancelled by the stop (its `ctx.signal`
   * is aborted only if it outlasts `gracePeriod` and the generation is killed).
   * @default false
   */
  shield?: boolean;
}

/**
 * What a recurring service shows in `getTree()` as `details`.
 *
 * @example
 * ```ts
 * const details = getTree(actor).details as RecurringDetails | undefined;
 * console.log(`every ${details?.delay} ms, ${details?.skipped} skipped`);
 * ```
 */
export type RecurringDetails = {
  /** The `every` option: the delay each generation starts with. */
  readonly every: number;
  /** The current delay: the latest number `run` returned in this generation, else `every`. */
  readonly delay: number;
  /** While waiting for the next run: ms until it starts. */
  readonly nextRunIn?: number;
  /** Runs of the current generation that returned `'skip'`. */
  readonly skipped: number;
};

/** Per-actor state of a recurring service. */
interface RecurringState extends ActorStateBase {
  delay: number;
  skipped: number;
}

const OWN = ['every', 'delay', 'run', 'shield'] as const;

/**
 * Creates a recurring service: a service machine that calls `run`, and waits as long as `run`
 * said before calling it again (see {@link RecurringServiceOptions.run}): an adaptive poll, a
 * backoff of its own, a job that ends itself. It is an ordinary service: same lifecycle,
 * failure counting, supervision and `getTree()` (with {@link RecurringDetails} as `details`).
 * Every wait is interruptible and on the actor's clock; a stop never waits out a delay.
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { createRecurringService } from 'xstate-supervisor';
 *
 * let empty = 0;
 * const poll = createRecurringService({
 *   id: 'poll',
 *   every: 100,
 *   restart: 'transient',
 *   run() {
 *     const got = Math.random() < 0.5;
 *     if (!got) empty++;
 *     if (empty > 10) return 'stop';
 *     return got ? 100 : Math.min(5_000, 100 * 2 ** empty); // back off while there is nothing
 *   },
 * });
 * createActor(poll).start();
 * ```
 */
export function createRecurringService(options: RecurringServiceOptions): ServiceMachine {
  return defineKind(options, {
    own: OWN,
    settings: recurringSettings,
    build: ({ settings: { every, delay, run, shield }, service: { id } }) => {
      const states = new ActorStates<RecurringState>('recurring', () => ({
        active: false,
        nextWall: undefined,
        delay: every,
        skipped: 0,
      }));
      const decide = (ctx: ServiceContext, result: unknown): undefined => {
        const state = localOf<RecurringState>(ctx);
        const decision = decideNext(result, state.delay);
        if (decision.kind === 'invalid') throw new RecurringResultError(id, result, state.delay);
        if (decision.kind === 'stop') ctx.stop();
        else {
          if (decision.kind === 'skip') state.skipped++;
          state.delay = decision.delay;
        }
        return undefined;
      };
      return {
        iterate: (ctx) => {
          localOf<RecurringState>(ctx).nextWall = undefined;
          const result = run(ctx);
          return isThenable(result)
            ? Promise.resolve(result).then((value) => decide(ctx, value))
            : decide(ctx, result);
        },
        around: timedHooks(states, shield),
        schedule: recurringSchedule(every, delay, states),
        local: {
          create: () => states.fresh(),
          describe: (state) => describeRecurring(state as RecurringState, every),
        },
        shown: options,
      };
    },
  });
}

/** The recurring options checked: the first delays, and `run` (shielded when asked). */
function recurringSettings(options: RecurringServiceOptions, fail: Fail) {
  const every = checkTimerDelay(options.every, 'every', fail, true);
  const delay = checkTimerDelay(options.delay ?? 0, 'delay', fail, true);
  const userRun = checkFunction(options.run, 'run', fail, true);
  const shield = checkBoolean(options.shield, 'shield', fail) ? new Shield() : undefined;
  const run: (ctx: ServiceContext) => unknown = shield ? shield.wrapRun(userRun) : userRun;
  return { every, delay, run, shield };
}

/** `first` is `now + delay` (and the delay back to `every`); `next` is `end + current delay`. */
function recurringSchedule(
  every: number,
  delay: number,
  states: ActorStates<RecurringState>,
): LoopSchedule {
  const plan = (s: RecurringState, at: number, now: number): number => {
    s.nextWall = Date.now() + (at - now);
    return at;
  };
  return {
    first(now, log) {
      const s = states.get(log);
      s.delay = every;
      s.skipped = 0;
      return plan(s, now + delay, now);
    },
    next(_start, end, now, log) {
      const s = states.get(log);
      return plan(s, end + s.delay, now);
    },
  };
}

function describeRecurring(state: RecurringState, every: number): Record<string, unknown> {
  const details: { -readonly [K in keyof RecurringDetails]: RecurringDetails[K] } = {
    every,
    delay: state.delay,
    skipped: state.skipped,
  };
  const inMs = nextRunIn(state);
  if (inMs !== undefined) details.nextRunIn = inMs;
  return details;
}
