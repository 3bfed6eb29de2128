/**
 * The cron service kind (aiomisc `CronService`, with time zones): `run` at the fire times of
 * a cron pattern, computed by croner, as a normal service machine.
 */
import { Cron } from 'croner';
import type { ServiceContext } from '../core/service-options.ts';
import { checkBoolean, checkFunction, type Fail } from '../core/validate.ts';
import type { ServiceMachine } from '../machines/service.ts';
import { type CronState, cronSchedule, freshCronState } from './cron-schedule.ts';
import { defineKind } from './define-kind.ts';
import type { ScheduledCommonOptions } from './scheduled-options.ts';
import { Shield, timedHooks } from './scheduled-shield.ts';
import { ActorStates, localOf } from './scheduled-state.ts';

/**
 * Options of {@link createCronService}. Besides these, every option of
 * {@link ScheduledCommonOptions} (`maxFailures`, `gracePeriod`, `restart`, hooks, `logger`,
 * ...) works as in `createService`.
 *
 * @example
 * ```ts
 * const options: CronServiceOptions = {
 *   id: 'nightly-report',
 *   cron: '0 30 2 * * *', // 02:30:00 every day
 *   timezone: 'Europe/Paris',
 *   async run(ctx) {
 *     await fetch('http://127.0.0.1:8080/report', { method: 'POST', signal: ctx.signal });
 *   },
 * };
 * createCronService(options);
 * ```
 */
export interface CronServiceOptions extends ScheduledCommonOptions {
  /** Unique among siblings; `[A-Za-z0-9_.-]+`, not only dots. Required. */
  id: string;
  /**
   * The cron pattern, as croner reads it: 5 fields (minute precision), 6 (a leading seconds
   * field, `'*\/5 * * * * *'`) or 7 (a trailing year), or a nickname (`'@hourly'`). An invalid
   * pattern, or one that never fires again, is a config error quoting it. Required.
   */
  cron: string;
  /**
   * The IANA time zone the pattern is read in (`'America/New_York'`); daylight-saving changes
   * are croner's. An unknown zone is a config error.
   * @default the system's time zone
   */
  timezone?: string;
  /**
   * The work, run at each fire time. Sync or async; a throw or a rejection is a counted
   * failure (the schedule goes on), and failure number `maxFailures + 1` fails the service. A
   * run still going at the next fire time makes the service skip it (logged at warn). Required.
   */
  run: (ctx: ServiceContext) => unknown;
  /**
   * aiomisc `shield`: a run in flight is not cancelled by the stop. Its `ctx.signal` is not
   * aborted when the service is asked to stop (nor by the failure limit or the actor being
   * stopped); the stop awaits the run, within `gracePeriod`. Only when the run outlasts
   * `gracePeriod` is the generation killed, and its signal aborted then.
   * @default false
   */
  shield?: boolean;
}

/**
 * What a cron service shows in `getTree()` as `details`.
 *
 * @example
 * ```ts
 * const details = getTree(actor).details as CronDetails | undefined;
 * console.log(`${details?.cron} (${details?.timezone}) next at ${details?.next[0]}`);
 * ```
 */
export type CronDetails = {
  /** The pattern. */
  readonly cron: string;
  /** The time zone it is read in (the system's when none was given). */
  readonly timezone: string;
  /** The next 3 fire times from now, as ISO strings (UTC). */
  readonly next: readonly string[];
  /** Fire times skipped in the current generation because a run overlapped them. */
  readonly skipped: number;
};

const OWN = ['cron', 'timezone', 'run', 'shield'] as const;

/**
 * Creates a cron service: a service machine that calls `run` at each fire time of `cron`,
 * read in `timezone`. croner parses the pattern and computes the fire times (wall clock);
 * each wait is converted to the actor's clock (`at = now + (fireTime - Date.now())`), so it
 * never drifts. A run that overlaps the next fire time skips it (logged at warn). It is an
 * ordinary service: same lifecycle, failure counting, supervision and `getTree()` (with
 * {@link CronDetails} as `details`).
 *
 * Gotchas: fire times come from `Date.now()`, so test with fake timers that fake `Date`
 * (vitest's do), not with a simulated XState clock alone. A fire time further away than a
 * Node timer can wait (~24.8 days) is reached in several waits; each extra wake-up counts as
 * an iteration without calling `run`.
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { createCronService } from 'xstate-supervisor';
 *
 * const cleanup = createCronService({
 *   id: 'cleanup',
 *   cron: '0 0,15,30,45 * * * *', // every 15 minutes, at second 0
 *   timezone: 'UTC',
 *   run(ctx) {
 *     console.log(`cleanup ${ctx.iteration}`);
 *   },
 * });
 * const actor = createActor(cleanup).start();
 * ```
 */
export function createCronService(options: CronServiceOptions): ServiceMachine {
  return defineKind(options, {
    own: OWN,
    settings: cronSettings,
    build: ({ settings: { pattern, timezone, cron, run, shield } }) => {
      const shownZone = timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
      const states = new ActorStates<CronState>('cron', freshCronState);
      return {
        iterate: (ctx) => {
          const state = localOf<CronState>(ctx);
          // A wake-up only to wait again (a fire time beyond a timer's reach): no run.
          if (state.rearm) return undefined;
          state.nextWall = undefined;
          return run(ctx);
        },
        around: timedHooks(states, shield),
        schedule: cronSchedule(cron, states),
        local: {
          create: () => states.fresh(),
          describe: (state): Record<string, unknown> => ({
            cron: pattern,
            timezone: shownZone,
            next: cron.nextRuns(3).map((d) => d.toISOString()),
            skipped: (state as CronState).skipped,
          }),
        },
        shown: options,
      };
    },
  });
}

/**
 * Checks a `timezone` option: undefined (the system's zone) or a zone name this Node knows.
 * Also used by the cluster cron. @internal
 *
 * @example
 * ```ts
 * checkTimezone('Europe/Paris', fail); // passes; 'Mars/Olympus' calls fail
 * ```
 */
export function checkTimezone(timezone: unknown, fail: Fail): void {
  if (timezone === undefined) return;
  let valid = typeof timezone === 'string' && timezone !== '';
  if (valid) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone as string });
    } catch {
      valid = false;
    }
  }
  if (!valid) {
    fail({
      option: 'timezone',
      received: timezone,
      expected: "an IANA time zone name, such as 'UTC' or 'Europe/Paris'",
    });
  }
}

/** The cron options checked: the pattern (it must fire again), the zone, `run`. */
function cronSettings(options: CronServiceOptions, fail: Fail) {
  const pattern = options.cron;
  if (typeof pattern !== 'string' || pattern.trim() === '') {
    fail({ option: 'cron', received: pattern, expected: 'a cron pattern string' });
  }
  const timezone = options.timezone;
  checkTimezone(timezone, fail);
  let cron: Cron;
  let firstFire: Date | null;
  try {
    cron = timezone === undefined ? new Cron(pattern) : new Cron(pattern, { timezone });
    firstFire = cron.nextRun();
  } catch (e) {
    return fail({
      option: 'cron',
      received: pattern,
      expected: `a cron pattern croner accepts (${(e as Error).message})`,
    });
  }
  if (firstFire === null) {
    fail({ option: 'cron', received: pattern, expected: 'a cron pattern that fires again' });
  }
  const userRun = checkFunction(options.run, 'run', fail, true);
  const shield = checkBoolean(options.shield, 'shield', fail) ? new Shield() : undefined;
  const run = shield ? shield.wrapRun(userRun) : userRun;
  return { pattern, timezone, cron, run: run as (ctx: ServiceContext) => unknown, shield };
}
