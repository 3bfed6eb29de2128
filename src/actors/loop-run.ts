/**
 * One generation of a service's loop, and the context its iterations receive.
 */
import { CommandError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type {
  ResolvedServiceOptions,
  ServiceContext,
  TaskOptions,
} from '../core/service-options.ts';
import { Waiter } from '../internal/waiter.ts';
import type { Clock } from '../internal/xstate.ts';
import { TaskSet } from './graceful-tasks.ts';
import { type SharedContext, serviceContextView } from './shared-context.ts';

/** What a generation needs from the runtime that owns it. */
export interface LoopOwner {
  readonly opts: ResolvedServiceOptions;
  readonly logger: Logger;
  /** Per-actor state of a service kind (a server's listener, say), kept across generations. */
  readonly local: unknown;
  /** `what` names the failing thing in the log line (default: `'iteration failed'`). */
  recordFailure(run: LoopRun, error: Error, what?: string): void;
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

interface MutableContext extends ServiceContext {
  iteration: number;
}

/**
 * Why `ctx.signal` is aborted: one shared `AbortError`, since building a DOMException (with
 * its stack) on every stop was a tenth of the cost of a restart.
 */
export const STOP_REASON = new DOMException('The service is stopping.', 'AbortError');

/** `ctx.config` of a service without a `config` option. */
const NO_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * What an iteration receives. The AbortController is made only when an iteration first reads
 * `signal` (a getter, which destructuring reads as well).
 */
export class IterationContext implements MutableContext {
  iteration = 0;
  readonly id: string;
  readonly generation: number;
  readonly logger: Logger;
  private readonly run: LoopRun;
  constructor(run: LoopRun, id: string, generation: number, logger: Logger) {
    this.run = run;
    this.id = id;
    this.generation = generation;
    this.logger = logger;
  }
  get signal(): AbortSignal {
    return this.run.signal();
  }
  /** The service's validated `config` (frozen, the same object in every generation). */
  get config(): Readonly<Record<string, unknown>> {
    return this.run.rt.opts.config ?? NO_CONFIG;
  }
  // Fields, not methods: `async iterate({ stop, fail })` must keep working.
  readonly stop = (): void => this.run.stopFromCtx();
  readonly fail = (error?: unknown): void =>
    this.run.rt.recordFailure(this.run, toError(error ?? 'ctx.fail() called'));
  readonly task = <T>(
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    options: TaskOptions = {},
  ): Promise<T> => {
    const run = this.run;
    if (run.halted || run.fenced) {
      return Promise.reject(
        new CommandError(
          'NOT_RUNNING',
          `ctx.task() called on service "${this.id}" generation ${this.generation}, which is stopping; start background work only while the generation runs (onStart, iterate, actions).`,
        ),
      );
    }
    return run.tasks.start(fn, options, (e) => {
      run.noteTaskError(e);
      run.rt.recordFailure(run, toError(e), 'graceful task failed');
    });
  };
  /** The tree's shared context: waits bounded by `signal`, values cleared when this generation ends. */
  get context(): SharedContext {
    const run = this.run;
    // Before its loop starts (`report` unset), the generation is in its start (`onStart`).
    return serviceContextView(
      run.rt,
      this.id,
      () => this.signal,
      () => run.signal(),
      () => run.report === undefined,
    );
  }
  /** Per-actor state of a service kind; not part of the public context. @internal */
  get local(): unknown {
    return this.run.rt.local;
  }
}

/** One generation's loop: its signal, its waits, its fence. */
export class LoopRun {
  private controller: AbortController | undefined;
  readonly waiter: Waiter;
  readonly ctx: IterationContext;
  readonly rt: LoopOwner;
  private taskSet: TaskSet | undefined;
  /** The graceful tasks started by this generation (`ctx.task`), made on first use. */
  get tasks(): TaskSet {
    this.taskSet ??= new TaskSet(STOP_REASON);
    return this.taskSet;
  }
  /** How many graceful tasks run, without making a task set for a generation that has none. */
  get taskCount(): number {
    return this.taskSet?.size ?? 0;
  }
  /** No further iteration may start. */
  halted = false;
  /** Killed: nothing it does later reaches the service. */
  fenced = false;
  /**
   * Halted while the loop slept between iterations: woken, it ends within a few microtasks
   * without running user code, so a stop need not bound the wait for it with a timer.
   */
  haltedAsleep = false;
  stopByCtx = false;
  failedWith: Error | undefined;
  /** Tells the service machine the loop ended (set once the loop starts). */
  report: ((event: LoopReport) => void) | undefined;
  /** The end was reported: a generation ends once. */
  endReported = false;
  /** Set while an async `onStart` runs: bounds it by `gracePeriod` once a stop aborts it. */
  onStartAborted: (() => void) | undefined;
  /** Set while an async `onStart` runs: clears its timers (the actor itself was stopped). */
  disarmStart: (() => void) | undefined;
  done: Promise<void> = Promise.resolve();
  /** Task failures already counted, so an iteration that awaits the task is not counted too. */
  private taskErrors: WeakSet<object> | undefined;

  constructor(rt: LoopOwner, generation: number, clock: Clock) {
    this.rt = rt;
    this.waiter = new Waiter(clock);
    this.ctx = new IterationContext(this, rt.opts.id, generation, rt.logger);
  }

  signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.halted) this.controller.abort(STOP_REASON);
    }
    return this.controller.signal;
  }

  stopFromCtx(): void {
    if (this.fenced) return;
    this.stopByCtx = true;
    this.waiter.wake();
  }

  halt(): void {
    if (!this.halted) this.haltedAsleep = this.waiter.sleeping;
    this.halted = true;
    this.controller?.abort(STOP_REASON);
    if (this.taskCount > 0) this.tasks.halt();
    this.waiter.wake();
  }

  noteTaskError(e: unknown): void {
    if (typeof e !== 'object' || e === null) return;
    this.taskErrors ??= new WeakSet();
    this.taskErrors.add(e);
  }

  /** Whether `e` is a task failure already counted (the iteration awaited the task). */
  isCountedTaskError(e: unknown): boolean {
    return this.taskErrors !== undefined && typeof e === 'object' && e !== null
      ? this.taskErrors.has(e)
      : false;
  }
}

export function isAbortError(e: unknown): boolean {
  return e === STOP_REASON || (e instanceof Error && e.name === 'AbortError');
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (value !== null &&
      typeof value === 'object' &&
      typeof (value as { then?: unknown }).then === 'function')
  );
}
