/**
 * The cluster cron service: a cron service run on every replica, where each fire time is
 * claimed in PostgreSQL or Redis before it runs, so it runs on one replica only; and a
 * `catchUp` policy for fire times missed while no replica was up (decision 0082).
 */

import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Cron } from 'croner';
import type { ServiceContext } from '../core/service-options.ts';
import type { Fail } from '../core/validate.ts';
import { checkTimezone } from '../kinds/cron.ts';
import { defineKind } from '../kinds/define-kind.ts';
import { localOf } from '../kinds/scheduled-state.ts';
import type { ServiceMachine } from '../machines/service.ts';
import { Doorbell } from './abortable.ts';

/**
 * Where fire times are claimed: `postgresTickClaims(...)` or `redisTickClaims(...)`.
 *
 * @example
 * ```ts
 * const won = await claims.claim('report', Date.parse('2026-01-01T00:00:00Z'), 'replica-a');
 * ```
 */
export interface TickClaims {
  /** `postgres` or `redis`. */
  readonly backend: 'postgres' | 'redis';
  /** Claims fire time `tick` (ms since epoch) of `job`; true for the one replica that wins it. */
  claim(job: string, tick: number, replica: string): Promise<boolean>;
  /** The latest fire time of `job` claimed by any replica, if any. */
  last(job: string): Promise<number | undefined>;
  /** Closes the connections. */
  close(): Promise<void>;
}

/** What a cluster cron run is told about the fire time it stands for. */
export interface ClusterTick {
  /** The fire time (wall clock). */
  readonly at: Date;
  /** True for a fire time missed while no replica was up, run by the `catchUp` policy. */
  readonly catchUp: boolean;
}

/**
 * Options of {@link createClusterCronService}.
 *
 * @example
 * ```ts
 * const options: ClusterCronOptions = {
 *   id: 'report', cron: '0 0 * * * *', timezone: 'Europe/Paris', claims, catchUp: 'last',
 *   run: (ctx, tick) => console.log(`report for ${tick.at.toISOString()}`),
 * };
 * ```
 */
export interface ClusterCronOptions {
  /** Service id; also the job's name in the claims unless `job` is set. Required. */
  id: string;
  /** The job's name in the claims, the same on every replica. @default id */
  job?: string;
  /** The cron pattern, as croner reads it (a leading seconds field allowed). Required. */
  cron: string;
  /** IANA time zone the pattern is read in; DST as croner does it. An unknown zone is a config error. @default the system's */
  timezone?: string;
  /** Where fire times are claimed. Required. */
  claims: TickClaims;
  /**
   * Fire times missed while no replica ran, found from the latest claimed one at each start:
   * `none` skips them, `last` runs the latest one, `all` runs them all, oldest first, up to
   * `catchUpLimit` (the latest ones). @default 'none'
   */
  catchUp?: 'none' | 'last' | 'all';
  /** The most missed fire times `catchUp: 'all'` runs. @default 100 */
  catchUpLimit?: number;
  /** This replica's name in the claims. @default `<hostname>:<pid>:<random>` */
  replica?: string;
  /** The work, run on the replica that claimed the fire time. Required. */
  run: (ctx: ServiceContext, tick: ClusterTick) => unknown;
  /** As in `createService`. @default 10 */
  maxFailures?: number;
  /** As in `createService`. @default 5000 */
  gracePeriod?: number;
  /** As in `createService`. @default 'permanent' */
  restart?: 'permanent' | 'transient' | 'temporary';
}

interface CronClusterState {
  /** The generation whose start has applied `catchUp`. */
  generation: number;
  fired: number;
  lost: number;
  caughtUp: number;
  next: number | undefined;
}

/** Longest wait of one timer (Node's limit is 2^31-1 ms). */
const MAX_WAIT = 2 ** 31 - 1;

/**
 * The fire times after `last` and before `now`, the latest `limit` of them, oldest first.
 * @internal
 */
export function missedTicks(cron: Cron, last: number, now: number, limit: number): number[] {
  const out: number[] = [];
  let t = cron.nextRun(new Date(last));
  let guard = 0;
  while (t !== null && t.getTime() < now && guard++ < 10_000_000) {
    out.push(t.getTime());
    if (out.length > limit) out.shift();
    t = cron.nextRun(t);
  }
  return out;
}

/**
 * The common service options a cluster cron takes (no hooks, no logger, no pacing), with
 * `createService`'s defaults (`restart: 'permanent'`, `maxFailures: 10`, `gracePeriod: 5000`).
 */
const COMMON = ['id', 'maxFailures', 'gracePeriod', 'restart'] as const;

/** The cluster cron's own options. */
const OWN = ['job', 'cron', 'timezone', 'claims', 'catchUp', 'catchUpLimit', 'replica', 'run'];

/**
 * Creates a cluster cron service: every replica runs it, and each fire time runs on exactly one
 * of them (the first to claim it in `claims`). At each start the service looks up the latest
 * claimed fire time and applies `catchUp` to those missed since. A run that throws is a counted
 * failure, as in a cron service; a claim that cannot reach the backend is one too. `getTree()`
 * shows `details`: `cron`, `timezone`, `next`, `fired` (runs here), `lost` (fire times another
 * replica claimed), `caughtUp`.
 *
 * @example
 * ```ts
 * import { createClusterCronService, postgresTickClaims } from 'xstate-supervisor/postgres';
 *
 * const report = createClusterCronService({
 *   id: 'report',
 *   cron: '0 0 * * * *',
 *   claims: postgresTickClaims({ connection: { database: 'app' } }),
 *   catchUp: 'last',
 *   run: (ctx, tick) => ctx.logger.info({ at: tick.at }, 'hourly report'),
 * });
 * ```
 */
export function createClusterCronService(options: ClusterCronOptions): ServiceMachine {
  return defineKind(options, {
    common: COMMON,
    own: OWN,
    settings: clusterCronSettings,
    build: ({ settings }) => {
      const zone = options.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
      const { cron, claims, catchUp, job } = settings;
      return {
        iterate: clusterCronIteration(settings),
        local: {
          create: (): CronClusterState => ({
            generation: -1,
            fired: 0,
            lost: 0,
            caughtUp: 0,
            next: undefined,
          }),
          describe: (state) => {
            const s = state as CronClusterState;
            return {
              cron: options.cron,
              timezone: zone,
              backend: claims.backend,
              next: cron.nextRuns(3).map((d) => d.toISOString()),
              fired: s.fired,
              lost: s.lost,
              caughtUp: s.caughtUp,
            };
          },
        },
        shown: { cron: options.cron, timezone: zone, catchUp, job },
      };
    },
  });
}

/** A cluster cron's own options, checked. */
interface ClusterCronSettings {
  readonly cron: Cron;
  readonly claims: TickClaims;
  readonly catchUp: 'none' | 'last' | 'all';
  readonly limit: number;
  readonly job: string;
  readonly replica: string;
  readonly run: ClusterCronOptions['run'];
}

/** Checks `claims`, `run`, `catchUp`, `catchUpLimit` and `cron`, in this order. */
function clusterCronSettings(options: ClusterCronOptions, fail: Fail): ClusterCronSettings {
  const claims = options.claims;
  if (!claims || typeof claims.claim !== 'function') {
    fail({
      option: 'claims',
      received: claims,
      expected: 'tick claims: postgresTickClaims(...) or redisTickClaims(...)',
    });
  }
  if (typeof options.run !== 'function') {
    fail({ option: 'run', received: options.run, expected: 'a function' });
  }
  const catchUp = options.catchUp ?? 'none';
  if (!['none', 'last', 'all'].includes(catchUp)) {
    fail({ option: 'catchUp', received: catchUp, expected: "'none', 'last' or 'all'" });
  }
  const limit = options.catchUpLimit ?? 100;
  if (!Number.isInteger(limit) || limit < 1) {
    fail({ option: 'catchUpLimit', received: limit, expected: 'an integer >= 1' });
  }
  checkTimezone(options.timezone, fail);
  let cron: Cron;
  try {
    cron = new Cron(
      options.cron,
      options.timezone === undefined ? {} : { timezone: options.timezone },
    );
  } catch (e) {
    return fail({
      option: 'cron',
      received: options.cron,
      expected: `a cron pattern croner accepts (${(e as Error).message})`,
    });
  }
  return {
    cron,
    claims,
    catchUp,
    limit,
    job: options.job ?? options.id,
    replica: options.replica ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    // Read at each fire time, called on the options, as the user wrote it.
    run: (ctx, tick) => options.run(ctx, tick),
  };
}

/**
 * One iteration: at a generation's start, the missed fire times per `catchUp`; then the wait
 * for the next fire time, claimed before it runs.
 */
function clusterCronIteration(settings: ClusterCronSettings) {
  const { cron, claims, catchUp, limit, job, replica, run } = settings;
  const fire = async (ctx: ServiceContext, s: CronClusterState, at: number, late: boolean) => {
    if (!(await claims.claim(job, at, replica))) {
      s.lost++;
      return;
    }
    if (late) s.caughtUp++;
    else s.fired++;
    await run(ctx, { at: new Date(at), catchUp: late });
  };

  return async (ctx: ServiceContext): Promise<void> => {
    const s = localOf<CronClusterState>(ctx);
    if (s.generation !== ctx.generation) {
      s.generation = ctx.generation;
      const last = catchUp === 'none' ? undefined : await claims.last(job);
      if (last !== undefined) {
        const missed = missedTicks(cron, last, Date.now(), catchUp === 'last' ? 1 : limit);
        for (const at of missed) {
          if (ctx.signal.aborted) return;
          await fire(ctx, s, at, true);
        }
      }
    }
    const next = cron.nextRun(new Date(Date.now()));
    if (next === null) {
      ctx.stop();
      return;
    }
    s.next = next.getTime();
    await new Doorbell().wait(Math.min(MAX_WAIT, Math.max(0, s.next - Date.now())), ctx.signal);
    if (ctx.signal.aborted || Date.now() < s.next) return;
    s.next = undefined;
    await fire(ctx, s, next.getTime(), false);
  };
}
