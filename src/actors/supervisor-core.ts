/**
 * The registry and the decisions of one supervisor. It keeps its children in a plain array
 * (never in the machine's snapshot, which XState copies on every spawn) and serializes every
 * decision through one queue, so a restart, a command and a shutdown never interleave. The
 * start and stop sequences, the restarts and the reports are in files of their own.
 */

import { type ActorChildSpec, type ChildSpec, specOf } from '../core/child-spec.ts';
import { toError } from '../core/errors.ts';
import { type ExitReason, SHUTDOWN, shouldRestart } from '../core/exit-reason.ts';
import type { Logger } from '../core/logger.ts';
import type { SupervisorReportType } from '../core/reports.ts';
import type { ResolvedSupervisorOptions } from '../core/supervisor-config.ts';
import type { LifecycleState, TreeNode, TreeSource } from '../core/tree-node.ts';
import type { AnyActorRef, AnyStateMachine, Clock } from '../internal/xstate.ts';
import { ActorChild } from './actor-child.ts';
import type { ChildOwner, StartOutcome, SupervisedChild } from './child-contract.ts';
import { ChildRecord } from './child-record.ts';
import { type LastError, lastErrorOf } from './last-error.ts';
import { IDLE_STOPPED_OR_FAILED } from './lifecycle-groups.ts';
import { type RestartHost, RestartScheduler } from './restart-scheduler.ts';
import { type CommandHost, runCommand, type SupervisorCommand } from './supervisor-commands.ts';
import { SupervisorHooks } from './supervisor-hooks.ts';
import { bubbleReport, reportChild } from './supervisor-reports.ts';
import {
  abortStarting,
  disposeAll,
  type StartStopHost,
  startInOrder,
  stopInReverse,
} from './supervisor-start-stop.ts';

/** Internal: the registry and decisions of a supervisor (reachable through its snapshot). */
export class SupervisorCore
  implements TreeSource, ChildOwner, CommandHost, RestartHost, StartStopHost
{
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
  private queue: Promise<unknown> = Promise.resolve();
  /** Running: exits are handled and commands accepted. */
  accepting = false;
  /** The child being started now (the one a stop of the supervisor aborts). */
  starting: SupervisedChild | undefined;
  /** A stop (or failure) came while the children were starting: the start ends early. */
  startAborted = false;
  /** The automatic restarts, their backoff timers and the intensity window. */
  readonly restartScheduler: RestartScheduler;
  /** The supervisor's own `onStart` / `onStop` and their pairing (decision 0096). */
  readonly hooks: SupervisorHooks;

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
    this.restartScheduler = new RestartScheduler(this, opts);
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
    bubbleReport(this.self, rec, report);
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
    const up = !IDLE_STOPPED_OR_FAILED.has(rec.state);
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
    return startInOrder(this);
  }

  /**
   * A stop (or failure) came while the children start: the child starting now is asked to
   * stop (which aborts its start), and no later child starts.
   */
  abortStart(): void {
    abortStarting(this);
  }

  /** Stops accepting exits now (sync), then stops every child in reverse order. */
  stopAll(): Promise<void> {
    return stopInReverse(this);
  }

  /** The supervisor actor itself is being stopped: stop every child actor at once. */
  dispose(): void {
    disposeAll(this);
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
      !IDLE_STOPPED_OR_FAILED.has(rec.state) ||
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
    await this.restartScheduler.restart(rec, why);
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

  private checkAutoShutdown(): void {
    const mode = this.opts.autoShutdown;
    if (mode === 'never') return;
    if (mode === 'all-significant') {
      const open = this.children.some(
        (c) =>
          c.spec.significant && !(IDLE_STOPPED_OR_FAILED.has(c.state) && c.wanted === 'stopped'),
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
    reportChild(
      this.self,
      this.logger,
      type,
      rec,
      reason,
      this.restartScheduler.window.count(this.clock.now()),
    );
  }

  /** The node; `shallow` leaves out `children` (the inspector walks them itself). */
  treeNode(state: LifecycleState, shallow = false): TreeNode {
    const node: TreeNode = {
      id: this.opts.id,
      kind: 'supervisor',
      state,
      generation: Math.max(0, this.generation),
      failures: this.failures,
      restarts: this.restartScheduler.window.count(this.clock.now()),
    };
    if (!shallow) node.children = this.children.map((c) => c.node());
    if (this.lastError) node.lastError = { ...this.lastError };
    return node;
  }

  toJSON(): object {
    return { generation: this.generation, failures: this.failures, children: this.children.length };
  }
}
