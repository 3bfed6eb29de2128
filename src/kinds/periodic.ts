/**
 * The periodic service kind (aiomisc `PeriodicService`): `run` every `every` ms, on a fixed
 * delay or a fixed rate, as a normal service machine (lifecycle, failures, supervision).
 */

import type { ServiceContext } from '../core/service-options.ts';
import { checkBoolean, checkFunction, checkOneOf, type Fail } from '../core/validate.ts';
import type { ServiceMachine } from '../machines/service.ts';
import { defineKind } from './define-kind.ts';
import {
  freshPeriodicState,
  type PeriodicOverlap,
  type PeriodicScheduleKind,
  type PeriodicState,
  periodicSchedule,
} from './periodic-schedule.ts';
import { checkTimerDelay, type ScheduledCommonOptions } from './scheduled-options.ts';
import { Shield, timedHooks } from './scheduled-shield.ts';
import { ActorStates, localOf, nextRunIn } from './scheduled-state.ts';

/**
 * Options of {@link createPeriodicService}. Times are in milliseconds. Besides these, every
 * option of {@link ScheduledCommonOptions} (`maxFailures`, `gracePeriod`, `restart`, hooks,
 * `logger`, ...) works as in `createService`.
 *
 * @example
 * ```ts
 * const options: PeriodicServiceOptions = {
 *   id: 'metrics',
 *   every: 10_000,
 *   schedule: 'fixed-rate',
 *   async run(ctx) {
 *     await fetch('http://127.0.0.1:9091/push', { method: 'POST', signal: ctx.signal });
 *   },
 * };
 * createPeriodicService(options);
 * ```
 */
export interface PeriodicServiceOptions extends ScheduledCommonOptions {
  /** Unique among siblings; `[A-Za-z0-9_.-]+`, not only dots. Required. */
  id: string;
  /**
   * The period: from one run's end to the next start (`fixed-delay`), or between the starts
   * of two runs on the grid (`fixed-rate`). A number > 0, at most 2 147 483 647 (a Node timer's
   * limit). Required.
   */
  every: number;
  /**
   * The wait before the first run of every generation (a restart waits it again).
   * @default 0 (the first run starts at once)
   */
  delay?: number;
  /**
   * `'fixed-delay'`: the next run starts `every` after the previous one ended (aiomisc).
   * `'fixed-rate'`: run k starts at `start + delay + k·every`, with no drift.
   * @default 'fixed-delay'
   */
  schedule?: PeriodicScheduleKind;
  /**
   * Fixed rate only: what a run that ends after the next slot leads to. `'skip'`: the missed
   * slots are dropped (logged at warn, counted in `details.skipped`) and the next run starts
   * on the next slot ahead. `'queue-one'`: one run starts at once, then the grid resumes.
   * Setting it with `'fixed-delay'` is a config error.
   * @default 'skip'
   */
  overlap?: PeriodicOverlap;
  /**
   * The work, run on the schedule. Sync or async; a throw or a rejection is a counted failure
   * (the schedule goes on), and failure number `maxFailures + 1` fails the service. Honour
   * `ctx.signal` so a stop does not wait for the run. Required.
   */
  run: (ctx: ServiceContext) => unknown;
  /**
   * aiomisc `shield`: a run in flight is not cancelled by the stop. Its `ctx.signal` is not
   * aborted when the service is asked to stop (nor by the failure limit or the actor being
   * stopped); the stop awaits the run, within `gracePeriod`. Only when the run outlasts
   * `gracePeriod` is the generation killed, and its signal aborted then. A run a hard reset
   * leaves behind is aborted when the next generation's first run starts.
   * @default false
   */
  shield?: boolean;
}

/**
 * What a periodic service shows in `getTree()` as `details`.
 *
 * Gotcha: `skipped` counts the current generation's dropped slots, like `iterations`.
 *
 * @example
 * ```ts
 * const details = getTree(actor).details as PeriodicDetails | undefined;
 * console.log(`${details?.skipped} slots skipped; next run in ${details?.nextRunIn ?? '-'} ms`);
 * ```
 */
export type PeriodicDetails = {
  /** The schedule in use. */
  readonly schedule: PeriodicScheduleKind;
  /** The period. */
  readonly every: number;
  /** While waiting for the next run: ms until it starts. Absent while a run runs or stopped. */
  readonly nextRunIn?: number;
  /** Slots dropped by late runs in the current generation (fixed rate). */
  readonly skipped: number;
};

const OWN = ['every', 'delay', 'schedule', 'overlap', 'run', 'shield'] as const;

/**
 * Creates a periodic service: a service machine that calls `run` every `every` ms, on a
 * fixed delay (the default, aiomisc's: end of one run to the start of the next) or a fixed
 * rate (an absolute grid, `start + delay + k·every`, so it never drifts, with an `overlap`
 * policy for late runs). It is an ordinary service: same lifecycle, failure counting,
 * supervision and `getTree()` (with {@link PeriodicDetails} as `details`).
 *
 * Options are validated here: a bad or unknown one throws `ServiceConfigError` naming it.
 * Every wait is interruptible: a stop never waits out a period. Times come from the actor's
 * clock (`createActor(machine, { clock })`), except `details.nextRunIn`, read from `Date.now()`.
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { createPeriodicService } from 'xstate-supervisor';
 *
 * const sampler = createPeriodicService({
 *   id: 'sampler',
 *   every: 1_000,
 *   schedule: 'fixed-rate',
 *   overlap: 'skip',
 *   run(ctx) {
 *     console.log(`sample ${ctx.iteration}`);
 *   },
 * });
 * const actor = createActor(sampler).start();
 * ```
 */
export function createPeriodicService(options: PeriodicServiceOptions): ServiceMachine {
  return defineKind(options, {
    own: OWN,
    settings: periodicSettings,
    build: ({ settings: { every, delay, schedule, overlap, run, shield } }) => {
      const states = new ActorStates<PeriodicState>('periodic', freshPeriodicState);
      return {
        iterate: (ctx) => {
          localOf<PeriodicState>(ctx).nextWall = undefined;
          return run(ctx);
        },
        around: timedHooks(states, shield),
        schedule: periodicSchedule({ every, delay, schedule, overlap }, states),
        local: {
          create: () => states.fresh(),
          describe: (state) => describePeriodic(state as PeriodicState, schedule, every),
        },
        shown: options,
      };
    },
  });
}

/** The periodic options checked: the schedule, and `run` (shielded when asked). */
function periodicSettings(options: PeriodicServiceOptions, fail: Fail) {
  const every = checkTimerDelay(options.every, 'every', fail, false);
  const delay = checkTimerDelay(options.delay ?? 0, 'delay', fail, true);
  const schedule =
    checkOneOf(options.schedule, ['fixed-delay', 'fixed-rate'], 'schedule', fail) ?? 'fixed-delay';
  const overlap = checkOneOf(options.overlap, ['skip', 'queue-one'], 'overlap', fail) ?? 'skip';
  if (options.overlap !== undefined && schedule !== 'fixed-rate') {
    fail({
      option: 'overlap',
      received: options.overlap,
      expected:
        "no `overlap` with schedule 'fixed-delay' (runs never overlap there); use schedule 'fixed-rate'",
    });
  }
  const userRun = checkFunction(options.run, 'run', fail, true);
  const shield = checkBoolean(options.shield, 'shield', fail) ? new Shield() : undefined;
  const run: (ctx: ServiceContext) => unknown = shield ? shield.wrapRun(userRun) : userRun;
  return { every, delay, schedule, overlap, run, shield };
}

function describePeriodic(
  state: PeriodicState,
  schedule: PeriodicScheduleKind,
  every: number,
): Record<string, unknown> {
  const details: { -readonly [K in keyof PeriodicDetails]: PeriodicDetails[K] } = {
    schedule,
    every,
    skipped: state.skipped,
  };
  const inMs = nextRunIn(state);
  if (inMs !== undefined) details.nextRunIn = inMs;
  return details;
}
