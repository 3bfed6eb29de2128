/**
 * The loop runtime behind a service machine: one per service actor, living in its context,
 * holding its state across generations. Its parts are in files of their own: the start
 * (`loop-start.ts`), the pacing run (`loop-pacing.ts`), the failure accounting
 * (`loop-failures.ts`), the stop and the hard reset (`loop-stop.ts`), and one generation's
 * loop and context (`loop-run.ts`). Iterations are the hot path: they send no XState event,
 * log nothing at info level, and only bump plain counters that `getTree()` reads.
 */
import { toError } from '../core/errors.ts';
import { type ExitReason, SHUTDOWN } from '../core/exit-reason.ts';
import type { Logger } from '../core/logger.ts';
import { RestartWindow } from '../core/restart-intensity.ts';
import type { ResolvedServiceOptions, ServiceContext } from '../core/service-options.ts';
import type { LifecycleState, TreeNode, TreeSource } from '../core/tree-node.ts';
import type { Clock } from '../internal/xstate.ts';
import { type LastError, lastErrorOf } from './last-error.ts';
import {
  startFailed as failStart,
  failureCount,
  recordFailure,
  startAborted as stopDuringStart,
} from './loop-failures.ts';
import type { LoopHost } from './loop-host.ts';
import { runIterations } from './loop-pacing.ts';
import { type LoopReport, LoopRun } from './loop-run.ts';
import { abortGenerationStart, startGeneration } from './loop-start.ts';
import { finishGeneration, hardResetGeneration } from './loop-stop.ts';

/**
 * The mutable state of one service actor across its generations.
 * Internal: reachable only through a service snapshot's context.
 */
export class ServiceRuntime implements TreeSource, LoopHost {
  generation = -1;
  iterations = 0;
  failures = 0;
  lastError: LastError | undefined;
  /** Why the latest generation ended (or is ending). */
  exit: ExitReason = SHUTDOWN;
  /** The latest generation was killed after overrunning `gracePeriod`. */
  killed = false;
  /** A stop or failure asked for while `onStart` was still running. */
  pendingExit: ExitReason | undefined;
  /** Start at once when the actor starts (a lone actor); a supervisor clears it. */
  autoStart = true;
  /** The current generation's loop. Internal: for the runtime's parts only. */
  run: LoopRun | undefined;
  /** `onStart` succeeded and `onStop` has not been called yet. */
  sessionOpen = false;
  /** The stop of the current generation, once one began. */
  finishing: Promise<{ killed: boolean }> | undefined;
  /** With `failureWindow`: the failures that count toward `maxFailures`. */
  readonly failureTimes: RestartWindow | undefined;

  readonly opts: ResolvedServiceOptions;
  readonly logger: Logger;
  /** Per-actor state of a service kind (a server's listener, a queue's counters). */
  readonly local: unknown;
  readonly clock: Required<Clock>;

  constructor(
    opts: ResolvedServiceOptions,
    logger: Logger,
    clock: Required<Clock>,
    initialGeneration = -1,
  ) {
    this.opts = opts;
    this.logger = logger;
    this.clock = clock;
    this.generation = initialGeneration;
    this.local = opts.local?.create();
    this.failureTimes =
      opts.failureWindow === undefined
        ? undefined
        : new RestartWindow(opts.maxFailures, opts.failureWindow);
  }

  /** Enters `starting`: a new generation with fresh counters. */
  beginGeneration(): void {
    this.generation++;
    this.iterations = 0;
    this.failures = 0;
    this.killed = false;
    this.exit = SHUTDOWN;
    this.pendingExit = undefined;
    this.finishing = undefined;
    this.failureTimes?.reset();
    this.run = new LoopRun(this, this.generation, this.clock);
  }

  /** A vetoed start is not a start: the generation number is given back. */
  rollbackGeneration(): void {
    this.generation--;
    this.run = undefined;
  }

  /** Begins a generation and runs `onStart`; resolves to 'vetoed' when it returned false. */
  start(actorStopped: () => boolean): Promise<'started' | 'vetoed'> {
    return startGeneration(this, actorStopped);
  }

  /**
   * A stop (or failure) asked for while `onStart` runs: `ctx.signal` is aborted now, and the
   * start gets `gracePeriod` to end. If it still succeeds, the stop follows it (`onStop` runs).
   */
  abortStart(): void {
    abortGenerationStart(this);
  }

  /** The start ended by a throw after a stop was asked for: the service ends stopped. */
  startAborted(error: unknown): void {
    stopDuringStart(this, error);
  }

  /** Records a start that threw. */
  startFailed(error: unknown): void {
    failStart(this, error);
  }

  /** Starts the current generation's loop; `report` hears of its end unless it is fenced. */
  startLoop(report: (event: LoopReport) => void): void {
    const run = this.run!;
    run.report = report;
    // A failure counted before the loop started (ctx.fail() in onStart) ends it at once.
    if (run.failedWith) this.reportEnd(run, { type: 'loop.failed', error: run.failedWith });
    run.done = Promise.resolve()
      .then(() => runIterations(this, run))
      .catch((e: unknown) => this.reportEnd(run, { type: 'loop.failed', error: toError(e) }));
  }

  /** Tells the machine the loop has ended: once per generation, never from a fenced one. */
  reportEnd(run: LoopRun, event: LoopReport): void {
    if (run.fenced || run.endReported || !run.report) return;
    run.endReported = true;
    run.report(event);
  }

  /**
   * The XState actor itself was stopped (`actor.stop()`, or its parent stopped it): the machine
   * never reaches `stopping`, so the stop runs here and `onStop` keeps its pairing.
   */
  actorStopped(): void {
    // A start still under way keeps no timer: they must not outlive the actor.
    this.run?.disarmStart?.();
    this.run?.halt();
    if (this.sessionOpen) void this.finish();
  }

  /** Stops the current loop from starting another iteration (the actor left `running`). */
  haltLoop(): void {
    this.run?.halt();
  }

  /**
   * Hard reset: abort, wait up to `gracePeriod` for the iteration in flight, fence that
   * generation, and prepare the next one. `onStart`/`onStop` are not run.
   */
  hardReset(): Promise<void> {
    return hardResetGeneration(this);
  }

  /**
   * The stop: halt the loop, wait for the iteration in flight, run `onStop` once; all within
   * `gracePeriod`, after which the generation is killed and fenced. Idempotent per generation.
   */
  finish(): Promise<{ killed: boolean }> {
    this.finishing ??= finishGeneration(this);
    return this.finishing;
  }

  /**
   * The context to call an action with: the current generation's, while it runs.
   * Undefined when the service is not running a generation.
   */
  actionContext(): ServiceContext | undefined {
    const run = this.run;
    return run && !run.halted && this.sessionOpen ? run.ctx : undefined;
  }

  /** Counts a failure of `run` (a throw, a rejection, or `ctx.fail()`). */
  recordFailure(run: LoopRun, error: Error, what = 'iteration failed'): void {
    recordFailure(this, run, error, what);
  }

  /** Records why the generation ends. */
  setExit(reason: ExitReason): void {
    this.exit = reason;
    if (reason._tag === 'Failure') this.lastError = lastErrorOf(reason.error);
  }

  treeNode(state: LifecycleState): TreeNode {
    const node: TreeNode = {
      id: this.opts.id,
      kind: 'service',
      state,
      generation: Math.max(0, this.generation),
      iterations: this.iterations,
      failures: failureCount(this),
      restarts: 0,
    };
    if (this.lastError) node.lastError = { ...this.lastError };
    const describe = this.opts.local?.describe;
    if (describe) node.details = describe(this.local);
    return node;
  }

  /** Serialises for inspection (the runtime sits in the machine's context). */
  toJSON(): object {
    return {
      generation: this.generation,
      iterations: this.iterations,
      failures: this.failures,
      lastError: this.lastError,
    };
  }
}
