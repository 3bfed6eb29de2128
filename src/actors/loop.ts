/**
 * The loop runtime behind a service machine: one per service actor, living in its context.
 * Iterations are the hot path: they send no XState event, log nothing at info level, and only
 * bump plain counters that `getTree()` reads. Only the end of a loop (done, failed) becomes an
 * event.
 */
import { KilledError, StartTimeoutError, toError } from '../core/errors.ts';
import { type ExitReason, failure, SHUTDOWN } from '../core/exit-reason.ts';
import { type Logger, markLogged } from '../core/logger.ts';
import { isBackToBack, nextStart } from '../core/pacing.ts';
import { RestartWindow } from '../core/restart-intensity.ts';
import type { ResolvedServiceOptions, ServiceContext } from '../core/service-options.ts';
import { telemetryHooks } from '../core/telemetry-hooks.ts';
import type { LifecycleState, TreeNode, TreeSource } from '../core/tree-node.ts';
import { LongTimeout, settlesWithin, Yielder } from '../internal/waiter.ts';
import type { Clock } from '../internal/xstate.ts';
import { isAbortError, isThenable, type LoopOwner, LoopRun } from './loop-run.ts';

/**
 * The latest failure of a service or supervisor, as `getTree()` shows it in `lastError`.
 *
 * It is kept across generations (a restart does not clear it), so read it together with
 * `failures`, which does restart at 0. `at` is wall-clock time (`Date.now()`), not the
 * injected clock, so it can be shown to people even in tests with a simulated clock.
 *
 * @example
 * ```ts
 * const { lastError } = getTree(actor);
 * if (lastError) console.log(new Date(lastError.at).toISOString(), lastError.message);
 * ```
 */
export interface LastError {
  /** The error's message. */
  readonly message: string;
  /** The error's stack, when it had one. */
  readonly stack?: string;
  /** When it was recorded, in ms since the epoch (`Date.now()`). */
  readonly at: number;
}

/**
 * What a service's loop sends its own machine when it ends by itself: `loop.done` after
 * `ctx.stop()`, `loop.failed` after failure number `maxFailures + 1`.
 *
 * Internal events of the service machine: never send them yourself (use `service.stop` or
 * `service.fail`). A fenced (killed or hard-reset) generation never sends them.
 *
 * @example
 * ```ts
 * const describe = (r: LoopReport): string =>
 *   r.type === 'loop.failed' ? `failed: ${r.error.message}` : 'ended by ctx.stop()';
 * ```
 */
export type LoopReport = { type: 'loop.done' } | { type: 'loop.failed'; error: Error };

/** A generation that never started (its `onStart` threw or vetoed): nothing of it may run on. */
function abandon(run: LoopRun): void {
  run.halt();
  run.fenced = true;
  if (run.taskCount > 0) run.tasks.abortAll();
}

/** The `lastError` record of an error, stamped now (wall clock). @internal */
export function lastErrorOf(error: Error): LastError {
  const { message, stack } = error;
  return stack === undefined ? { message, at: Date.now() } : { message, stack, at: Date.now() };
}

/**
 * The mutable state of one service actor across its generations.
 * Internal: reachable only through a service snapshot's context.
 */
export class ServiceRuntime implements TreeSource, LoopOwner {
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
  private run: LoopRun | undefined;
  /** `onStart` succeeded and `onStop` has not been called yet. */
  private sessionOpen = false;
  private finishing: Promise<{ killed: boolean }> | undefined;
  /** With `failureWindow`: the failures that count toward `maxFailures`. */
  private readonly failureTimes: RestartWindow | undefined;

  readonly opts: ResolvedServiceOptions;
  readonly logger: Logger;
  /** Per-actor state of a service kind (a server's listener, a queue's counters). */
  readonly local: unknown;
  private readonly clock: Required<Clock>;

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
    if (opts.failureWindow !== undefined) {
      this.failureTimes = new RestartWindow(opts.maxFailures, opts.failureWindow);
    }
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
  async start(actorStopped: () => boolean): Promise<'started' | 'vetoed'> {
    this.beginGeneration();
    const run = this.run!;
    const onStart = this.opts.onStart;
    if (onStart) {
      let result: unknown;
      try {
        result = onStart(run.ctx);
        if (isThenable(result)) result = await this.boundStart(run, result);
      } catch (e) {
        abandon(run);
        throw e;
      }
      if (result === false) {
        abandon(run);
        return 'vetoed';
      }
    }
    this.sessionOpen = true;
    // The actor was stopped while onStart ran: the pairing still holds.
    if (actorStopped()) void this.finish();
    return 'started';
  }

  /**
   * Bounds an async `onStart` by `startTimeout`, and by `gracePeriod` once a stop aborts it:
   * a start that never settles must not hold the service, or its supervisor, in `starting`.
   */
  private boundStart(run: LoopRun, started: PromiseLike<unknown>): Promise<unknown> {
    const o = this.opts;
    const generation = run.ctx.generation;
    return new Promise((resolve, reject) => {
      const timers: LongTimeout[] = [];
      // However the start ends (settled, timed out, killed, the actor stopped), every timer
      // it armed goes with it: none may keep the process alive.
      const end = (error: unknown, value?: unknown) => {
        for (const t of timers) t.clear();
        run.onStartAborted = undefined;
        run.disarmStart = undefined;
        if (error === undefined) resolve(value);
        else reject(error);
      };
      timers.push(
        new LongTimeout(
          this.clock,
          () => end(new StartTimeoutError(o.id, generation, o.startTimeout)),
          o.startTimeout,
        ),
      );
      run.onStartAborted = () => {
        timers.push(
          new LongTimeout(
            this.clock,
            () => end(new KilledError(o.id, generation, o.gracePeriod)),
            o.gracePeriod,
          ),
        );
      };
      // The actor itself was stopped: nobody waits for the start any more, so no timer may
      // keep the process alive; the start still ends when onStart does (onStop then follows).
      run.disarmStart = () => {
        for (const t of timers) t.clear();
        run.onStartAborted = undefined;
      };
      started.then(
        (value) => end(undefined, value),
        (error: unknown) => end(error ?? new Error('onStart rejected with undefined')),
      );
    });
  }

  /**
   * A stop (or failure) asked for while `onStart` runs: `ctx.signal` is aborted now, and the
   * start gets `gracePeriod` to end. If it still succeeds, the stop follows it (`onStop` runs).
   */
  abortStart(): void {
    const run = this.run;
    if (!run || this.sessionOpen || run.halted) return;
    run.halt();
    run.onStartAborted?.();
  }

  /** The start ended by a throw after a stop was asked for: the service ends stopped. */
  startAborted(error: unknown): void {
    this.setExit(SHUTDOWN);
    if (error instanceof KilledError) {
      this.killed = true;
      this.logKill(error);
    } else if (!isAbortError(error)) {
      this.logger.warn(
        { generation: this.generation, err: toError(error) },
        'onStart threw after a stop was asked for; stopped',
      );
    }
  }

  /** Starts the current generation's loop; `report` hears of its end unless it is fenced. */
  startLoop(report: (event: LoopReport) => void): void {
    const run = this.run!;
    run.report = report;
    // A failure counted before the loop started (ctx.fail() in onStart) ends it at once.
    if (run.failedWith) this.reportEnd(run, { type: 'loop.failed', error: run.failedWith });
    run.done = Promise.resolve()
      .then(() => this.loop(run))
      .catch((e: unknown) => this.reportEnd(run, { type: 'loop.failed', error: toError(e) }));
  }

  /** Tells the machine the loop has ended: once per generation, never from a fenced one. */
  private reportEnd(run: LoopRun, event: LoopReport): void {
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
  async hardReset(): Promise<void> {
    const old = this.run;
    if (old) {
      old.halt();
      const settled = await settlesWithin(old.done, this.opts.gracePeriod, this.clock);
      // A stop (or failure) arrived while we waited: it owns the generation now, and drains
      // or kills it by its own rules (graceful tasks are awaited, not aborted).
      if (this.finishing || this.run !== old) return;
      old.fenced = true;
      if (old.taskCount > 0) old.tasks.abortAll();
      if (!settled) {
        this.logger.warn(
          { generation: old.ctx.generation, gracePeriod: this.opts.gracePeriod },
          'hard reset: iteration still running after gracePeriod; generation fenced',
        );
      }
    }
    this.generation++;
    this.iterations = 0;
    this.failures = 0;
    this.failureTimes?.reset();
    this.run = new LoopRun(this, this.generation, this.clock);
  }

  /**
   * The stop: halt the loop, wait for the iteration in flight, run `onStop` once; all within
   * `gracePeriod`, after which the generation is killed and fenced. Idempotent per generation.
   */
  finish(): Promise<{ killed: boolean }> {
    this.finishing ??= this.doFinish();
    return this.finishing;
  }

  private async doFinish(): Promise<{ killed: boolean }> {
    const run = this.run;
    const grace = this.opts.gracePeriod;
    const deadline = this.clock.now() + grace;
    let killed = false;
    // Graceful tasks left running on purpose (`cancelOnTimeout: false`): even a kill spares them.
    let tasksLeft = false;
    if (run) {
      run.halt();
      if (run.haltedAsleep) await run.done;
      else if (!(await settlesWithin(run.done, grace, this.clock))) killed = true;
      if (!killed && run.taskCount > 0) {
        const outcome = await this.drainTasks(run, deadline);
        tasksLeft = outcome !== 'settled' && !this.opts.cancelOnTimeout;
        // The tasks used up the whole gracePeriod: the stop is over its bound.
        if (outcome === 'deadline') killed = true;
      }
    }
    if (this.sessionOpen) {
      this.sessionOpen = false;
      // Without `onStop` there is nothing to wait for, and no timer to arm.
      if (this.opts.onStop) {
        const stopping = this.callOnStop(run);
        if (!killed && !(await settlesWithin(stopping, deadline - this.clock.now(), this.clock))) {
          killed = true;
        }
      }
    }
    if (killed) {
      if (run) {
        run.fenced = true;
        if (!tasksLeft && run.taskCount > 0) run.tasks.abortAll();
      }
      this.killed = true;
      this.logKill(new KilledError(this.opts.id, this.generation, grace));
    }
    return { killed };
  }

  /**
   * The kill's one line (decision 0049): warn, with the grace period and the advice, and no
   * stack (the kill is no throw in the user's code; its stack would name the package's
   * internals). Its supervisor's `child.killed` is then written at debug.
   */
  private logKill(error: KilledError): void {
    this.logger.warn(
      {
        generation: this.generation,
        gracePeriod: this.opts.gracePeriod,
        code: error.code,
        reason: error.message,
      },
      'generation killed',
    );
  }

  /**
   * Waits for the generation's graceful tasks, within `gracefulWaitTimeout` and the deadline.
   * Resolves to `'deadline'` when they were still running at the end of `gracePeriod`.
   */
  private async drainTasks(
    run: LoopRun,
    deadline: number,
  ): Promise<'settled' | 'timeout' | 'deadline'> {
    const left = Math.max(0, deadline - this.clock.now());
    const timeout = Math.min(this.opts.gracefulWaitTimeout, left);
    const pending = run.tasks.size;
    const cancelled = this.opts.cancelOnTimeout;
    if ((await run.tasks.drain(timeout, cancelled, this.clock)) === 'settled') return 'settled';
    this.logger.warn(
      {
        generation: run.ctx.generation,
        pending: run.tasks.size,
        started: pending,
        timeout,
        cancelled,
      },
      cancelled
        ? 'graceful tasks still running after gracefulWaitTimeout; aborted'
        : 'graceful tasks still running after gracefulWaitTimeout; left running, fenced',
    );
    return timeout >= left ? 'deadline' : 'timeout';
  }

  private async callOnStop(run: LoopRun | undefined): Promise<void> {
    const onStop = this.opts.onStop;
    if (!onStop || !run) return;
    try {
      await onStop(run.ctx);
    } catch (e) {
      this.logger.error(
        { generation: run.ctx.generation, err: toError(e) },
        'onStop threw; the stop completes anyway',
      );
    }
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
    if (run.fenced || run !== this.run) return;
    this.failures++;
    this.lastError = lastErrorOf(error);
    const max = this.opts.maxFailures;
    const over = this.failureTimes ? !this.failureTimes.add(this.clock.now()) : this.failures > max;
    this.logger.error(
      {
        generation: run.ctx.generation,
        iteration: run.ctx.iteration,
        failures: this.failures,
        maxFailures: max,
        err: error,
      },
      what,
    );
    // This line is the failure's one line with its stack: its supervisor's report is not.
    markLogged(error);
    if (over && !run.failedWith) {
      run.failedWith = error;
      run.halt();
      // The failure ends the generation now, not when the iteration in flight returns: the
      // stop that follows bounds that iteration by gracePeriod, and kills it if it hangs.
      this.reportEnd(run, { type: 'loop.failed', error });
    }
  }

  /** Records why the generation ends. */
  setExit(reason: ExitReason): void {
    this.exit = reason;
    if (reason._tag === 'Failure') this.lastError = lastErrorOf(reason.error);
  }

  /** Records a start that threw. */
  startFailed(error: unknown): void {
    const err = toError(error);
    this.logger.error({ generation: this.generation, err }, 'onStart threw; the start failed');
    markLogged(err);
    this.setExit(failure(err));
  }

  /**
   * Sleeps until the clock reaches `at` (interruptibly). Timers may fire a little early by
   * `performance.now()`, so the remainder is waited again: a period is never cut short.
   * Resolves to whether it slept at all.
   */
  private async sleepUntil(run: LoopRun, at: number): Promise<boolean> {
    let wait = at - this.clock.now();
    if (wait <= 0) return false;
    while (wait > 0) {
      await run.waiter.sleep(wait);
      if (run.halted || run.stopByCtx) break;
      wait = at - this.clock.now();
    }
    return true;
  }

  private async loop(run: LoopRun): Promise<void> {
    const o = this.opts;
    const clock = this.clock;
    const iterate = o.iterate;
    const ctx = run.ctx;
    const schedule = o.schedule;
    const backToBack = !schedule && isBackToBack(o);
    // Yields now and then when no timer separates iterations (back to back, or timed pacing
    // whose iterations outlast the period), so timers and I/O still run.
    const yielder = new Yielder();
    let start = 0;
    let end = 0;
    let first = true;
    while (!run.halted && !run.stopByCtx) {
      let slept = false;
      if (schedule) {
        const now = clock.now();
        const at = first
          ? schedule.first(now, this.logger)
          : schedule.next(start, end, now, this.logger);
        slept = await this.sleepUntil(run, at);
        if (run.halted || run.stopByCtx) break;
      } else if (!backToBack) {
        if (!first) {
          slept = await this.sleepUntil(run, nextStart(o, start, end));
          if (run.halted || run.stopByCtx) break;
        }
        if (o.delayBefore > 0) {
          slept = (await this.sleepUntil(run, clock.now() + o.delayBefore)) || slept;
          if (run.halted || run.stopByCtx) break;
        }
      }
      if (!slept) {
        const pause = yielder.check();
        if (pause) {
          await pause;
          if (run.halted || run.stopByCtx) break;
        }
      }
      if (!backToBack) start = clock.now();
      first = false;
      ctx.iteration = this.iterations;
      try {
        const traced = telemetryHooks.current;
        const result = traced === undefined ? iterate(ctx) : traced.iteration(this, ctx, iterate);
        if (isThenable(result)) await result;
      } catch (e) {
        // An iteration that gives up because we aborted its signal did what it was asked.
        // A graceful task's failure the iteration awaited was counted when the task failed.
        if (!(run.halted && isAbortError(e)) && !run.isCountedTaskError(e)) {
          this.recordFailure(run, toError(e));
        }
      }
      if (run.fenced) return;
      this.iterations++;
      if (!backToBack) end = clock.now();
      if (run.failedWith) break;
      if (run.stopByCtx) break;
    }
    if (run.fenced) return;
    if (run.failedWith) {
      run.halted = true;
      this.reportEnd(run, { type: 'loop.failed', error: run.failedWith });
    } else if (run.stopByCtx) {
      run.halted = true;
      this.reportEnd(run, { type: 'loop.done' });
    }
  }

  treeNode(state: LifecycleState): TreeNode {
    const node: TreeNode = {
      id: this.opts.id,
      kind: 'service',
      state,
      generation: Math.max(0, this.generation),
      iterations: this.iterations,
      failures: this.failureTimes ? this.failureTimes.count(this.clock.now()) : this.failures,
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
