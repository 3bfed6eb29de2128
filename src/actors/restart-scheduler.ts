/**
 * A supervisor's automatic restarts: the intensity check, the group its strategy takes along
 * (stopped in reverse, started in order), `onReset`, and the backoff, armed as a timer so the
 * decision queue stays free meanwhile (as OTP does).
 */
import { backoffDelay } from '../core/backoff.ts';
import { toError } from '../core/errors.ts';
import { type ExitReason, failure, shouldRestart } from '../core/exit-reason.ts';
import { type Logger, markLogged } from '../core/logger.ts';
import type { SupervisorReportType } from '../core/reports.ts';
import { RestartWindow } from '../core/restart-intensity.ts';
import { restartGroup } from '../core/restart-strategy.ts';
import type { ResolvedSupervisorOptions } from '../core/supervisor-config.ts';
import { LongTimeout, settlesWithin, yieldToEventLoop } from '../internal/waiter.ts';
import { type AnyActorRef, type Clock, emitFrom } from '../internal/xstate.ts';
import type { SupervisedChild } from './child-contract.ts';
import { IDLE_STOPPED_OR_FAILED } from './lifecycle-groups.ts';
import { IntensityExceededError } from './supervisor-errors.ts';

/**
 * What a restart needs of the supervisor it runs in (its core implements it). Declared here
 * so the restarts do not depend on the core that calls them.
 *
 * @example
 * ```ts
 * class Core implements RestartHost { ... } // then: new RestartScheduler(core, core.opts)
 * ```
 */
export interface RestartHost {
  readonly opts: ResolvedSupervisorOptions;
  readonly children: SupervisedChild[];
  readonly logger: Logger;
  readonly clock: Required<Clock>;
  readonly self: AnyActorRef;
  readonly generation: number;
  /** Running: exits are handled; a restart that finds it cleared gives up. */
  accepting: boolean;
  enqueue<T>(op: () => Promise<T>): Promise<T>;
  startChild(rec: SupervisedChild, started: SupervisorReportType, why?: unknown): Promise<boolean>;
  stopAndReport(rec: SupervisedChild, why: string, reportStop?: boolean): Promise<void>;
  setExit(reason: ExitReason): void;
}

/** Why a child's latest start failed, as a restart's reason. */
function failureOf(rec: SupervisedChild): unknown {
  const r = rec.exitReason();
  return r._tag === 'Failure' ? r.error : 'failed to restart';
}

/** How long a group restart waits for a promise returned by `onReset`. */
const ON_RESET_TIMEOUT = 5_000;

/**
 * Internal: the restarts of one supervisor, and the window its intensity is counted in.
 * Gotcha: `restart` runs inside the decision queue (the caller enqueued it); a backoff arms a
 * timer and returns, and the delayed start is enqueued when it fires.
 *
 * @example
 * ```ts
 * const scheduler = new RestartScheduler(core, opts);
 * await core.enqueue(() => scheduler.restart(child, error));
 * ```
 */
export class RestartScheduler {
  /** The restarts within `restartWindow` (the intensity, and every report's `restarts`). */
  readonly window: RestartWindow;
  /** Restarts waiting out a backoff. */
  private readonly backoffTimers = new Set<LongTimeout>();
  private readonly host: RestartHost;

  constructor(host: RestartHost, opts: ResolvedSupervisorOptions) {
    this.host = host;
    this.window = new RestartWindow(opts.maxRestarts, opts.restartWindow);
  }

  /** Restarts `failed` (and the group its strategy takes along) until a start holds. */
  async restart(failed: SupervisedChild, reason: unknown): Promise<void> {
    const host = this.host;
    const strategy = host.opts.strategy;
    let current: SupervisedChild | undefined = failed;
    let why = reason;
    while (current) {
      // Restarts never starve the event loop, even for a child that ends at once every time.
      await yieldToEventLoop();
      if (!host.accepting) return;
      const now = host.clock.now();
      if (!this.window.add(now)) {
        this.intensityExceeded(why);
        return;
      }
      const group = restartGroup(
        strategy,
        host.children,
        current,
        (c) => c.spec.resetGlobally && c.wanted === 'running',
      );
      await this.stopGroup(group, current);
      if (strategy !== 'one-for-one') await this.callOnReset();
      const delay = this.backoffFor(current, now);
      if (delay > 0) {
        this.startLater(group, current, why, delay);
        return;
      }
      current = await this.startGroup(group, current, why);
      if (current) why = failureOf(current);
    }
  }

  /** Forgets every restart waiting out a backoff (the supervisor is stopping). */
  cancelDelayed(): void {
    for (const t of this.backoffTimers) t.clear();
    this.backoffTimers.clear();
  }

  /** Stops the siblings a restart of `current` takes along, in reverse start order. */
  private async stopGroup(group: SupervisedChild[], current: SupervisedChild): Promise<void> {
    const why = `restart of "${current.id}"`;
    for (let i = group.length - 1; i >= 0; i--) {
      const c = group[i]!;
      if (c === current) continue;
      // Already stopped and decided, its own restart waiting out a backoff: it joins this one.
      if (c.awaitingRestart) continue;
      await this.host.stopAndReport(c, why);
      const own = c.exitReason();
      // One that ended on its own meanwhile was reported as such (a kill included) and is
      // restarted by its own restart type; OTP: a temporary child stopped by a sibling's
      // restart is never started again.
      c.wanted =
        own._tag !== 'Shutdown'
          ? shouldRestart(c.spec.restart, own)
            ? 'running'
            : 'stopped'
          : c.spec.restart === 'temporary'
            ? 'stopped'
            : 'running';
    }
  }

  /**
   * Starts the group in order; resolves to the child whose start failed, if one did. A child
   * something else started meanwhile (a command, another restart) or stopped on purpose is
   * left as it is.
   */
  private async startGroup(
    group: SupervisedChild[],
    current: SupervisedChild,
    why: unknown,
  ): Promise<SupervisedChild | undefined> {
    const sibling = `restart of "${current.id}"`;
    for (const c of group) {
      if (c.wanted !== 'running' || !IDLE_STOPPED_OR_FAILED.has(c.state)) continue;
      const reason = c === current ? why : sibling;
      if (!(await this.host.startChild(c, 'child.restarted', reason))) return c;
    }
    return undefined;
  }

  /**
   * Backoff: the group starts after `delay`, through the queue. The queue is free meanwhile, so
   * the supervisor goes on deciding (a sibling's failure, a command, a shutdown), as OTP arms a
   * timer rather than sleeping.
   */
  private startLater(
    group: SupervisedChild[],
    current: SupervisedChild,
    why: unknown,
    delay: number,
  ): void {
    const host = this.host;
    const timer = new LongTimeout(
      host.clock,
      () => {
        this.backoffTimers.delete(timer);
        host
          .enqueue(async () => {
            if (!host.accepting) return;
            // Only the children this restart still owns: one started, stopped or removed since,
            // or taken into a newer restart, belongs to that.
            const mine = group.filter((c) => c.awaitingRestart && c.pendingRestart === timer);
            if (mine.length === 0) return;
            const failedAgain = await this.startGroup(mine, current, why);
            if (failedAgain) await this.restart(failedAgain, failureOf(failedAgain));
          })
          .catch((e: unknown) =>
            host.logger.error({ child: current.id, err: toError(e) }, 'a delayed restart failed'),
          );
      },
      delay,
    );
    for (const c of group) {
      if (c.wanted !== 'running') continue;
      c.awaitingRestart = true;
      c.pendingRestart = timer;
    }
    this.backoffTimers.add(timer);
  }

  private backoffFor(rec: SupervisedChild, now: number): number {
    const { backoff, random } = this.host.opts;
    if (!backoff) return 0;
    if (rec.startedAt !== undefined && now - rec.startedAt >= backoff.max) rec.backoffAttempt = 0;
    return backoffDelay(backoff, rec.backoffAttempt++, random);
  }

  /** Runs `onReset`, awaiting a promise for at most ON_RESET_TIMEOUT; never throws. */
  private async callOnReset(): Promise<void> {
    const { opts, logger, clock } = this.host;
    const onReset = opts.onReset;
    if (!onReset) return;
    try {
      const result = onReset();
      if (result instanceof Promise) {
        if (!(await settlesWithin(result, ON_RESET_TIMEOUT, clock))) {
          logger.error(
            { timeout: ON_RESET_TIMEOUT },
            'onReset did not settle in time; the restart goes on',
          );
          return;
        }
        await result;
      }
    } catch (e) {
      logger.error({ err: toError(e) }, 'onReset threw; the restart goes on');
    }
  }

  /** Over intensity: no more restarts; report, log, and have the machine stop all and fail. */
  private intensityExceeded(last: unknown): void {
    const host = this.host;
    const { opts, logger } = host;
    host.accepting = false;
    const error = new IntensityExceededError(opts.id, opts.maxRestarts, opts.restartWindow, last);
    host.setExit(failure(error));
    emitFrom(host.self, {
      type: 'supervisor.intensity-exceeded',
      id: opts.id,
      path: [],
      generation: Math.max(0, host.generation),
      reason: error,
      restarts: this.window.count(host.clock.now()),
    });
    // The last failure's stack was logged already; this error's own is the supervisor's.
    markLogged(error);
    logger.error(
      {
        code: error.code,
        maxRestarts: opts.maxRestarts,
        restartWindow: opts.restartWindow,
        last: last instanceof Error ? last.message : last,
      },
      'restart intensity exceeded; stopping all children and failing',
    );
    host.self.send({ type: 'core.escalate' });
  }
}
