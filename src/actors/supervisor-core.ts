/**
 * The registry and the decisions of one supervisor. It keeps its children in a plain array
 * (never in the machine's snapshot, which XState copies on every spawn) and serialises every
 * decision through one queue, so a restart, a command and a shutdown never interleave.
 */

import { backoffDelay } from '../core/backoff.ts';
import { type ActorChildSpec, type ChildSpec, specOf } from '../core/child-spec.ts';
import { toError, XstateSupervisorError } from '../core/errors.ts';
import { type ExitReason, failure, SHUTDOWN, shouldRestart } from '../core/exit-reason.ts';
import { errorFields, type Logger, markLogged, takeLogged, wasLogged } from '../core/logger.ts';
import type { SupervisorReport, SupervisorReportType } from '../core/reports.ts';
import { RestartWindow } from '../core/restart-intensity.ts';
import { restartGroup } from '../core/restart-strategy.ts';
import type { ResolvedSupervisorOptions } from '../core/supervisor-config.ts';
import type { LifecycleState, TreeNode, TreeSource } from '../core/tree-node.ts';
import { LongTimeout, settlesWithin, yieldToEventLoop } from '../internal/waiter.ts';
import {
  type AnyActorRef,
  type AnyStateMachine,
  type Clock,
  emitFrom,
} from '../internal/xstate.ts';
import { ActorChild } from './actor-child.ts';
import type { ChildOwner, StartOutcome, SupervisedChild } from './child-contract.ts';
import { ChildRecord } from './child-record.ts';
import { type LastError, lastErrorOf } from './loop.ts';
import { type CommandHost, runCommand, type SupervisorCommand } from './supervisor-commands.ts';
import { SupervisorHooks } from './supervisor-hooks.ts';

/**
 * The error a supervisor fails with when its restart intensity is exceeded (more than
 * `maxRestarts` restarts within `restartWindow`). `code` is `INTENSITY_EXCEEDED`; `cause` is
 * the last failure that asked for a restart.
 *
 * It is the `reason` of the `supervisor.intensity-exceeded` report, the supervisor's
 * `lastError`, and, at the root, the `error` of `run()`'s result. Its parent sees it as a
 * child failure and applies its own strategy (escalation).
 *
 * @example
 * ```ts
 * actor.on('supervisor.intensity-exceeded', (r) => {
 *   if (r.reason instanceof IntensityExceededError) console.error(r.reason.message, r.reason.cause);
 * });
 * ```
 */
export class IntensityExceededError extends XstateSupervisorError {
  constructor(id: string, maxRestarts: number, window: number, last: unknown) {
    const cause = last instanceof Error ? last.message : String(last);
    super(
      'INTENSITY_EXCEEDED',
      `Supervisor "${id}" exceeded ${maxRestarts} restarts within ${window} ms (last: ${cause}); it stopped its children and failed.`,
      { cause: last },
    );
  }
}

/**
 * The error a supervisor fails with when its `onStart` vetoes its start: it threw, returned
 * `false`, or overran `hookTimeout`. No child was started and nothing is left running. `code`
 * is `SUPERVISOR_START_VETOED`; `cause` is what `onStart` threw (a `HookError` when it was a
 * list of hooks). Its parent sees it as a child failure and applies its strategy; at the root,
 * `run()` ends with code 1 and this error.
 *
 * @example
 * ```ts
 * const { error } = await run(root, { exit: false }).done;
 * if (error instanceof SupervisorStartVetoedError) console.error(error.message, error.cause);
 * ```
 */
export class SupervisorStartVetoedError extends XstateSupervisorError {
  /** The supervisor whose `onStart` vetoed. */
  readonly supervisor: string;
  constructor(id: string, how: string, cause?: unknown) {
    super(
      'SUPERVISOR_START_VETOED',
      `Supervisor "${id}" did not start: its onStart ${how}; no child was started.`,
      cause === undefined ? undefined : { cause },
    );
    this.supervisor = id;
  }
}

const ENDED = new Set<LifecycleState>(['stopped', 'failed', 'idle']);

/** Why a child's latest start failed, as a restart's reason. */
function failureOf(rec: SupervisedChild): unknown {
  const r = rec.exitReason();
  return r._tag === 'Failure' ? r.error : 'failed to restart';
}

/** How long a group restart waits for a promise returned by `onReset`. */
const ON_RESET_TIMEOUT = 5_000;

/** Internal: the registry and decisions of a supervisor (reachable through its snapshot). */
export class SupervisorCore implements TreeSource, ChildOwner, CommandHost {
  generation: number;
  failures = 0;
  lastError: LastError | undefined;
  exit: ExitReason = SHUTDOWN;
  /** An exit asked for while the children were still starting. */
  pendingExit: ExitReason | undefined;
  autoStart = true;
  readonly opts: ResolvedSupervisorOptions;
  readonly logger: Logger;
  readonly clock: Required<Clock>;
  readonly self: AnyActorRef;
  readonly children: SupervisedChild[] = [];
  readonly byId = new Map<string, SupervisedChild>();
  /** The ids from the root supervisor down to this one (`[]` at the root). */
  readonly path: readonly string[];
  private readonly window: RestartWindow;
  private queue: Promise<unknown> = Promise.resolve();
  /** Running: exits are handled and commands accepted. */
  accepting = false;
  /** The child `startAll` is starting now. */
  private starting: SupervisedChild | undefined;
  /** A stop (or failure) came while the children were starting: the start ends early. */
  private startAborted = false;
  /** Restarts waiting out a backoff. */
  private readonly backoffTimers = new Set<LongTimeout>();
  /** The supervisor's own `onStart` / `onStop` and their pairing (decision 0096). */
  private readonly hooks: SupervisorHooks;

  constructor(
    opts: ResolvedSupervisorOptions,
    self: AnyActorRef,
    logger: Logger,
    clock: Required<Clock>,
    initialGeneration = -1,
    path: readonly string[] = [],
  ) {
    this.opts = opts;
    this.path = path;
    this.self = self;
    this.logger = logger;
    this.clock = clock;
    this.generation = initialGeneration;
    this.window = new RestartWindow(opts.maxRestarts, opts.restartWindow);
    this.hooks = new SupervisorHooks(opts, logger, clock);
    for (const child of opts.children) this.addRecord(child, specOf(child)!);
  }

  /** A child of any kind, from its definition (a machine, or a `supervise()` result). */
  addRecord(definition: object, spec: ChildSpec): SupervisedChild {
    const rec =
      spec.kind === 'actor'
        ? new ActorChild(spec as ActorChildSpec, this)
        : new ChildRecord(definition as AnyStateMachine, spec, this);
    this.children.push(rec);
    this.byId.set(spec.id, rec);
    return rec;
  }

  /** Runs `op` after every decision already queued. */
  enqueue<T>(op: () => Promise<T>): Promise<T> {
    const result = this.queue.then(op);
    this.queue = result.catch(() => undefined);
    return result;
  }

  childLogger(rec: SupervisedChild): Logger {
    return this.logger.child({ path: `${this.opts.id}/${rec.id}` });
  }

  /** A report of a child supervisor, bubbled up with the child's id in front of its path. */
  childReported(rec: SupervisedChild, report: { type: string }): void {
    const r = report as SupervisorReport;
    emitFrom(this.self, { ...r, path: [rec.id, ...r.path] });
  }

  /** Starts a child and reports the outcome. */
  async startChild(
    rec: SupervisedChild,
    started: SupervisorReportType,
    why?: unknown,
  ): Promise<boolean> {
    // An end of its previous generation still undecided is reported before the new one starts.
    this.settleOwnExit(rec);
    // Any start (ours, a restart's, a command's) is the one a stop of the supervisor aborts.
    this.starting = rec;
    let outcome: StartOutcome;
    try {
      outcome = await rec.start(this.clock.now());
    } finally {
      this.starting = undefined;
    }
    if (outcome !== 'running' && this.startAborted && rec.exitReason()._tag !== 'Failure') {
      // Our own stop ended its start: a stop, not a failure.
      this.report('child.stopped', rec, 'supervisor stopping');
      return false;
    }
    if (outcome === 'running') {
      this.report(started, rec, why);
      return true;
    }
    if (outcome === 'vetoed') {
      this.report('child.stopped', rec, 'start vetoed by onStart');
      return true;
    }
    this.failures++;
    this.report('child.failed', rec, outcome.error);
    return false;
  }

  /**
   * Stops a child on purpose and reports it: `child.killed` when its stop overran its bound,
   * then (with `reportStop`) `child.stopped` with `why`. A child that ended on its own, before
   * (its exit still queued) or during the stop, is reported as that instead: its failure is
   * never hidden behind our stop. A child that was not up gives no report.
   */
  async stopAndReport(rec: SupervisedChild, why: string, reportStop = true): Promise<void> {
    if (this.settleOwnExit(rec)) {
      rec.wanted = 'stopped';
      rec.awaitingRestart = false;
      return;
    }
    const up = !ENDED.has(rec.state);
    const killed = await rec.stop();
    if (!up) return;
    const own = rec.exitReason();
    if (own._tag !== 'Shutdown') {
      this.reportOwnExit(rec, own);
      return;
    }
    if (killed) this.report('child.killed', rec, why);
    if (reportStop) this.report('child.stopped', rec, why);
  }

  /**
   * Reports now an exit the child made on its own whose decision is still queued (a command
   * or a stop got to the child first). Returns whether there was one.
   */
  settleOwnExit(rec: SupervisedChild): boolean {
    if (!rec.exitUnreported) return false;
    this.reportOwnExit(rec, rec.exitReason());
    return true;
  }

  /** Starts every child in order; a failed start stops the started ones in reverse and throws. */
  startAll(): Promise<void> {
    return this.enqueue(async () => {
      this.generation++;
      this.window.reset();
      this.failures = 0;
      this.exit = SHUTDOWN;
      this.startAborted = false;
      if (!(await this.openSession())) return;
      const started: SupervisedChild[] = [];
      for (const rec of this.children) {
        const ok = await this.startChild(rec, 'child.started');
        if (this.startAborted) {
          // Stopped while starting: what started stops in reverse; the pending exit applies.
          for (let i = started.length - 1; i >= 0; i--) {
            await this.stopAndReport(started[i]!, 'supervisor stopping');
          }
          return;
        }
        if (!ok) {
          const reason = rec.exitReason();
          const error =
            reason._tag === 'Failure' ? reason.error : new Error(`child "${rec.id}" did not start`);
          for (let i = started.length - 1; i >= 0; i--) {
            await this.stopAndReport(started[i]!, 'start rolled back');
          }
          const startError = new XstateSupervisorError(
            'CHILD_START_FAILED',
            `Supervisor "${this.opts.id}" could not start child "${rec.id}": ${error.message}`,
            { cause: error },
          );
          this.setExit(failure(startError));
          // The child's failure was logged with its stack (by the child, or by its report):
          // this line and the ones about the supervisor's own failure give the message.
          markLogged(startError);
          this.logger.error(
            {
              child: rec.id,
              rolledBack: started.map((c) => c.id),
              code: startError.code,
              reason: error.message,
            },
            'a child failed to start; started children stopped in reverse order',
          );
          await this.closeSession();
          throw this.exit._tag === 'Failure' ? this.exit.error : error;
        }
        // Every child that started, even one that has already begun to fail on its own: a
        // rollback must reach it (and report its end), whatever state it is in by then.
        started.push(rec);
      }
      this.accepting = true;
    });
  }

  /**
   * A stop (or failure) came while the children start: the child starting now is asked to
   * stop (which aborts its start), and no later child starts.
   */
  abortStart(): void {
    this.hooks.abortStart();
    if (this.startAborted) return;
    this.startAborted = true;
    this.starting?.requestStop();
  }

  /** Stops accepting exits now (sync), then stops every child in reverse order. */
  stopAll(): Promise<void> {
    this.accepting = false;
    this.cancelDelayedRestarts();
    // A start under way (a restart's, a command's) is aborted, not waited out to its timeout.
    this.abortStart();
    return this.enqueue(async () => {
      for (let i = this.children.length - 1; i >= 0; i--) {
        await this.stopAndReport(this.children[i]!, 'supervisor stopping');
      }
      await this.closeSession();
    });
  }

  /**
   * Runs `onStart` before the first child starts. Resolves to whether the children start:
   * false when a stop came meanwhile (the pending exit applies; `onStop` follows through the
   * stop if `onStart` completed). A veto (a throw, `false`, `hookTimeout`) fails the start,
   * reported only once what `onStart` did has been undone.
   */
  private async openSession(): Promise<boolean> {
    const out = await this.hooks.open(this.generation, () => this.startAborted);
    if (out === 'open') return true;
    if (out === 'stopped') return false;
    const veto = new SupervisorStartVetoedError(this.opts.id, out.how, out.cause);
    this.setExit(failure(veto));
    if (!wasLogged(veto.cause)) {
      this.logger.error({ code: veto.code, reason: veto.message }, 'onStart vetoed the start');
    }
    // Its line (or onStart's own) is this failure's one line: its parent's is not.
    markLogged(veto);
    throw veto;
  }

  /** Runs `onStop` once per completed `onStart`, after the last child stopped; never throws. */
  private closeSession(): Promise<void> {
    return this.hooks.close();
  }

  /** The supervisor actor itself is being stopped: stop every child actor at once. */
  dispose(): void {
    this.accepting = false;
    this.cancelDelayedRestarts();
    for (let i = this.children.length - 1; i >= 0; i--) this.children[i]!.dispose();
    // The pairing holds even so: onStop runs, with nobody waiting for it.
    void this.closeSession();
  }

  setExit(reason: ExitReason): void {
    this.exit = reason;
    if (reason._tag === 'Failure') this.lastError = lastErrorOf(reason.error);
  }

  /**
   * A manual command (`child.*`); resolves to the child's node once it has completed. With
   * `rejectIfBusy` (the control API), a command on a child busy with another is refused;
   * otherwise (events sent to the actor) it waits its turn.
   */
  command(cmd: SupervisorCommand, rejectIfBusy = false): Promise<TreeNode> {
    return runCommand(this, cmd, rejectIfBusy);
  }

  /** A child ended on its own: its exit is decided in the queue. */
  childExited(rec: SupervisedChild, reason: ExitReason, generation: number): void {
    rec.exitUnreported = true;
    this.enqueue(() => this.handleExit(rec, reason, generation)).catch((e: unknown) =>
      this.logger.error({ child: rec.id, err: toError(e) }, 'handling a child exit failed'),
    );
  }

  private async handleExit(
    rec: SupervisedChild,
    reason: ExitReason,
    generation: number,
  ): Promise<void> {
    if (
      !this.accepting ||
      rec.generation !== generation ||
      !ENDED.has(rec.state) ||
      // Reported already: a command or a stop that reached the child first did it.
      !rec.exitUnreported ||
      rec.wanted !== 'running' ||
      // Decided already, by a group restart that found it ended and now waits out a backoff.
      rec.awaitingRestart
    ) {
      return;
    }
    const why = this.reportOwnExit(rec, reason);
    if (!shouldRestart(rec.spec.restart, reason)) {
      rec.wanted = 'stopped';
      if (rec.spec.significant) this.checkAutoShutdown();
      return;
    }
    await this.restart(rec, why);
  }

  /**
   * Reports an exit the child made on its own (a failure, or a normal end): `child.killed`
   * first when its stop overran `gracePeriod`, then `child.failed` or `child.stopped`.
   * Returns the reason the reports carry.
   */
  private reportOwnExit(rec: SupervisedChild, reason: ExitReason): unknown {
    rec.exitUnreported = false;
    const why = reason._tag === 'Failure' ? reason.error : 'normal';
    if (reason._tag === 'Failure') this.failures++;
    if (rec.wasKilled()) this.report('child.killed', rec, why);
    this.report(reason._tag === 'Failure' ? 'child.failed' : 'child.stopped', rec, why);
    return why;
  }

  private async restart(failed: SupervisedChild, reason: unknown): Promise<void> {
    let current: SupervisedChild | undefined = failed;
    let why = reason;
    while (current) {
      // Restarts never starve the event loop, even for a child that ends at once every time.
      await yieldToEventLoop();
      if (!this.accepting) return;
      const now = this.clock.now();
      if (!this.window.add(now)) {
        this.intensityExceeded(why);
        return;
      }
      const group = restartGroup(
        this.opts.strategy,
        this.children,
        current,
        (c) => c.spec.resetGlobally && c.wanted === 'running',
      );
      await this.stopGroup(group, current);
      if (this.opts.strategy !== 'one-for-one') await this.callOnReset();
      const delay = this.backoffFor(current, now);
      if (delay > 0) {
        this.startLater(group, current, why, delay);
        return;
      }
      current = await this.startGroup(group, current, why);
      if (current) why = failureOf(current);
    }
  }

  /** Stops the siblings a restart of `current` takes along, in reverse start order. */
  private async stopGroup(group: SupervisedChild[], current: SupervisedChild): Promise<void> {
    const why = `restart of "${current.id}"`;
    for (let i = group.length - 1; i >= 0; i--) {
      const c = group[i]!;
      if (c === current) continue;
      // Already stopped and decided, its own restart waiting out a backoff: it joins this one.
      if (c.awaitingRestart) continue;
      await this.stopAndReport(c, why);
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
      if (c.wanted !== 'running' || !ENDED.has(c.state)) continue;
      if (!(await this.startChild(c, 'child.restarted', c === current ? why : sibling))) return c;
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
  ) {
    const timer = new LongTimeout(
      this.clock,
      () => {
        this.backoffTimers.delete(timer);
        this.enqueue(async () => {
          if (!this.accepting) return;
          // Only the children this restart still owns: one started, stopped or removed since,
          // or taken into a newer restart, belongs to that.
          const mine = group.filter((c) => c.awaitingRestart && c.pendingRestart === timer);
          if (mine.length === 0) return;
          const failedAgain = await this.startGroup(mine, current, why);
          if (failedAgain) await this.restart(failedAgain, failureOf(failedAgain));
        }).catch((e: unknown) =>
          this.logger.error({ child: current.id, err: toError(e) }, 'a delayed restart failed'),
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

  /** Forgets every restart waiting out a backoff (the supervisor is stopping). */
  private cancelDelayedRestarts(): void {
    for (const t of this.backoffTimers) t.clear();
    this.backoffTimers.clear();
  }

  private backoffFor(rec: SupervisedChild, now: number): number {
    const b = this.opts.backoff;
    if (!b) return 0;
    if (rec.startedAt !== undefined && now - rec.startedAt >= b.max) rec.backoffAttempt = 0;
    return backoffDelay(b, rec.backoffAttempt++, this.opts.random);
  }

  /** Runs `onReset`, awaiting a promise for at most ON_RESET_TIMEOUT; never throws. */
  private async callOnReset(): Promise<void> {
    const onReset = this.opts.onReset;
    if (!onReset) return;
    try {
      const result = onReset();
      if (result instanceof Promise) {
        if (!(await settlesWithin(result, ON_RESET_TIMEOUT, this.clock))) {
          this.logger.error(
            { timeout: ON_RESET_TIMEOUT },
            'onReset did not settle in time; the restart goes on',
          );
          return;
        }
        await result;
      }
    } catch (e) {
      this.logger.error({ err: toError(e) }, 'onReset threw; the restart goes on');
    }
  }

  private intensityExceeded(last: unknown): void {
    this.accepting = false;
    const error = new IntensityExceededError(
      this.opts.id,
      this.opts.maxRestarts,
      this.opts.restartWindow,
      last,
    );
    this.setExit(failure(error));
    this.emit({
      type: 'supervisor.intensity-exceeded',
      id: this.opts.id,
      path: [],
      generation: Math.max(0, this.generation),
      reason: error,
      restarts: this.window.count(this.clock.now()),
    });
    // The last failure's stack was logged already; this error's own is the supervisor's.
    markLogged(error);
    this.logger.error(
      {
        code: error.code,
        maxRestarts: this.opts.maxRestarts,
        restartWindow: this.opts.restartWindow,
        last: last instanceof Error ? last.message : last,
      },
      'restart intensity exceeded; stopping all children and failing',
    );
    this.self.send({ type: 'core.escalate' });
  }

  private checkAutoShutdown(): void {
    const mode = this.opts.autoShutdown;
    if (mode === 'never') return;
    if (mode === 'all-significant') {
      const open = this.children.some(
        (c) => c.spec.significant && !(ENDED.has(c.state) && c.wanted === 'stopped'),
      );
      if (open) return;
    }
    this.accepting = false;
    this.logger.info(
      { autoShutdown: mode },
      'significant child ended; shutting down (autoShutdown)',
    );
    this.self.send({ type: 'core.auto-shutdown' });
  }

  /** Emits and logs one decision about a direct child. */
  report(type: SupervisorReportType, rec: SupervisedChild, reason?: unknown): void {
    const id = rec.id;
    const generation = rec.generation;
    const restarts = this.window.count(this.clock.now());
    // One object per report and one per log line, in the key order the reports always had.
    const report: SupervisorReport =
      reason === undefined
        ? { type, id, path: [id], generation, restarts }
        : { type, id, path: [id], generation, reason, restarts };
    this.emit(report);
    if (type === 'child.failed') {
      // One line per failure (decision 0095): a child that logged its failure with its stack
      // (a service) has its report at debug; a child that logs nothing of its own (your own
      // machine) has it here, with the stack once. Decided per failure: the same error object
      // thrown again (a cached one) is a new failure, with its own line.
      if (reason instanceof Error && !takeLogged(reason)) {
        this.logger.error({ child: id, generation, restarts, ...errorFields(reason) }, type);
      } else {
        const why = reason instanceof Error ? reason.message : reason;
        this.logger.debug({ child: id, generation, restarts, reason: why }, type);
      }
    } else if (type === 'child.killed') {
      // One line per kill (decision 0049), never a stack: a service writes its own
      // `generation killed` (with its grace period), so this report is at debug; your own
      // machine logs nothing of its own, so this is its line, at warn, with the grace period.
      const why = reason instanceof Error ? reason.message : reason;
      if (rec.spec.kind === 'actor') {
        const { gracePeriod } = rec.spec as ActorChildSpec;
        this.logger.warn({ child: id, generation, restarts, gracePeriod, reason: why }, type);
      } else {
        this.logger.debug({ child: id, generation, restarts, reason: why }, type);
      }
    } else if (type === 'child.started') {
      this.logger.debug({ child: id, generation, restarts }, type);
    } else {
      const why = reason instanceof Error ? reason.message : reason;
      this.logger.info({ child: id, generation, restarts, reason: why }, type);
    }
  }

  private emit(report: SupervisorReport): void {
    emitFrom(this.self, report);
  }

  /** The node; `shallow` leaves out `children` (the inspector walks them itself). */
  treeNode(state: LifecycleState, shallow = false): TreeNode {
    const node: TreeNode = {
      id: this.opts.id,
      kind: 'supervisor',
      state,
      generation: Math.max(0, this.generation),
      failures: this.failures,
      restarts: this.window.count(this.clock.now()),
    };
    if (!shallow) node.children = this.children.map((c) => c.node());
    if (this.lastError) node.lastError = { ...this.lastError };
    return node;
  }

  toJSON(): object {
    return { generation: this.generation, failures: this.failures, children: this.children.length };
  }
}
