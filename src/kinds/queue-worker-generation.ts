/**
 * One generation of a queue worker: its dispatching, its drain on stop, its fencing.
 * Internal: `createQueueWorker` builds on it; nothing here is exported from the package.
 */

import type { ServiceContext } from '../core/service-options.ts';
import { telemetryHooks } from '../internal/telemetry-hooks.ts';
import { yieldToEventLoop } from '../internal/waiter.ts';
import type { Queued } from './queue.ts';
import type {
  AbandonableGeneration,
  QueueDefinition,
  QueueSettings,
} from './queue-worker-definition.ts';
import type { QueueTaskContext } from './queue-worker-options.ts';
import { NOTHING, type Pool } from './task-pool.ts';

/** Resolves once `signal` aborts (at once if it has). */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

/** A task whose handler runs; `givenUp` once the worker stopped waiting for it. */
interface Handling<T> {
  readonly task: T;
  /** Its priority, kept if it is handed back (a task pool admits it by it). */
  readonly priority: number;
  givenUp: boolean;
  /** It holds a slot of the worker's task pool. */
  readonly pooled: boolean;
}

/** Per-actor state (`LocalState`): `getTree()` counters, the current generation. @internal */
export class QueueWorkerState<T> {
  processed = 0;
  inFlight = 0;
  active = false;
  gen: Generation<T> | undefined;
}

/**
 * One generation of a queue worker. Its iterations take tasks and start handlers; a graceful
 * task (the keeper) starts with it and on stop drains the queue or not, then waits for the
 * handlers in flight, so the core's stop awaits all of it within `gracefulWaitTimeout`.
 * @internal
 */
export class Generation<T> implements AbandonableGeneration {
  readonly ctx: ServiceContext;
  /** The handlers' signal: aborted when the keeper's graceful task is (kill, reset, timeout). */
  private readonly kill = new AbortController();
  private readonly handlerCtx: QueueTaskContext;
  /** The handlers not settled and not given up; its size is the generation's `inFlight`. */
  private readonly running = new Set<Handling<T>>();
  private onSlot: (() => void) | undefined;
  private onIdle: (() => void) | undefined;
  /** Tasks taken as the stop began, not started yet. */
  private readonly carry: Queued<T>[] = [];
  /** This generation's own handler failure went over `maxFailures`. */
  private failed = false;
  /** `onStop` has run: take nothing more. */
  private closed = false;

  private readonly def: QueueDefinition<T>;
  private readonly local: QueueWorkerState<T>;
  private readonly settings: QueueSettings<T>;

  constructor(
    ctx: ServiceContext,
    def: QueueDefinition<T>,
    local: QueueWorkerState<T>,
    settings: QueueSettings<T>,
  ) {
    this.ctx = ctx;
    this.def = def;
    this.local = local;
    this.settings = settings;
    this.handlerCtx = {
      id: ctx.id,
      generation: ctx.generation,
      logger: ctx.logger,
      signal: this.kill.signal,
    };
  }

  private get inFlight(): number {
    return this.running.size;
  }

  /** Starts the keeper: a graceful task (`cancel: false`), so a stop awaits it. */
  start(): void {
    this.def.generations.add(this);
    this.def.logger = this.ctx.logger;
    // It never rejects; were it to, the core counts the failure.
    void this.ctx.task((signal) => this.keep(signal)).catch(() => {});
  }

  /** One iteration: wait for a free slot, take a task, start its handler. */
  async dispatch(): Promise<void> {
    const signal = this.ctx.signal;
    if (this.inFlight >= this.settings.concurrency) await this.slot(signal);
    const pool = this.def.pool;
    if (pool !== undefined) return this.dispatchPooled(pool, signal);
    const item = await this.def.take(signal);
    if (this.closed) {
      // Abandoned at run()'s deadline while still running: keep the task, take no more.
      this.def.keep(item, this.ctx.logger);
      await aborted(signal);
    } else if (signal.aborted) {
      // Taken just as the stop began: the keeper decides (drain, or keep it queued).
      this.carry.push(item);
    } else this.launch(item);
  }

  /**
   * In a task pool: wait for the pool to give a slot with the next task. A stop while waiting
   * takes nothing (the task stays queued); a task given just as the stop began goes back,
   * first in line, with its slot.
   */
  private async dispatchPooled(pool: Pool, signal: AbortSignal): Promise<void> {
    const item = (await pool.acquire(this.def, signal)) as Queued<T>;
    if (this.closed || signal.aborted) {
      // Back in line before the slot frees (release pumps): a waiting actor of this worker
      // takes it, not the task behind it.
      this.def.keep(item, this.ctx.logger);
      pool.release();
      if (this.closed) await aborted(signal);
    } else this.launch(item, true);
  }

  /**
   * `onStop` has run: a drain still going (past gracefulWaitTimeout) takes nothing more, and a
   * handler still running (left running by `cancelOnTimeout: false`) has its task handed back.
   */
  close(): boolean {
    this.closed = true;
    this.giveUp();
    this.def.generations.delete(this);
    return this.failed;
  }

  /**
   * run()'s `shutdownTimeout` ran out: abort the handlers, hand their tasks back, and take
   * nothing more, so the definition can hand every task left to `onDiscard` now.
   */
  abandon(reason: unknown): void {
    this.closed = true;
    this.stopHandlers(reason);
    this.def.generations.delete(this);
  }

  /** The handlers must give up (kill, hard reset, timeout): their tasks are not processed. */
  private stopHandlers(reason: unknown): void {
    this.kill.abort(reason);
    this.giveUp();
  }

  /**
   * Hands back the task of every handler still running: to the definition's orphans (taken
   * again first, or given to `onDiscard` once no actor runs). A handler that honours its signal
   * settles a moment later; one that never settles no longer holds its task or a slot.
   */
  private giveUp(): void {
    for (const h of this.running) {
      h.givenUp = true;
      // Handed back before its slot frees, so another actor of this worker waiting in a task
      // pool takes it first.
      this.def.orphan({ task: h.task, priority: h.priority }, this.ctx.logger);
      this.release(h);
    }
    for (const item of this.carry.splice(0)) this.def.orphan(item, this.ctx.logger);
  }

  private async keep(signal: AbortSignal): Promise<void> {
    if (signal.aborted) this.stopHandlers(signal.reason);
    else signal.addEventListener('abort', () => this.stopHandlers(signal.reason), { once: true });
    await aborted(this.ctx.signal);
    // A stop, a failure and a hard reset all begin by aborting ctx.signal. A hard reset aborts
    // this task's signal as soon as the loop has ended, which our iteration does at once: one
    // turn of the event loop later we know whether this is a stop (a failure we noted above).
    await yieldToEventLoop();
    const stop = !this.failed && !this.kill.signal.aborted;
    if (stop && this.settings.stopPolicy === 'drain') await this.drain();
    await this.idle();
    for (const item of this.carry.splice(0)) this.def.orphan(item, this.ctx.logger);
    if (this.closed || this.kill.signal.aborted) this.def.generations.delete(this);
  }

  /** Runs the tasks queued when the stop began, `concurrency` at a time. */
  private async drain(): Promise<void> {
    const signal = this.kill.signal;
    let budget = this.carry.length + this.def.orphans.length + this.def.queue.size;
    while (budget-- > 0 && !signal.aborted && !this.closed) {
      if (this.inFlight >= this.settings.concurrency) {
        try {
          await this.slot(signal);
        } catch {
          return;
        }
      }
      if (signal.aborted || this.closed) return;
      const pool = this.def.pool;
      if (pool !== undefined) {
        if (!this.def.hasReady()) return;
        let got: Queued<T> | typeof NOTHING;
        try {
          got = (await pool.acquire(this.def, signal, true)) as Queued<T> | typeof NOTHING;
        } catch {
          return;
        }
        if (got === NOTHING) return;
        if (signal.aborted || this.closed) {
          // Back in line before the slot frees, as in dispatchPooled.
          this.def.keep(got, this.ctx.logger);
          pool.release();
          return;
        }
        this.launch(got, true);
        continue;
      }
      let item: Queued<T>;
      if (this.carry.length > 0) item = this.carry.shift()!;
      else if (!this.def.hasReady()) return;
      else {
        try {
          item = await this.def.take(signal);
        } catch {
          return;
        }
      }
      if (signal.aborted || this.closed) this.carry.push(item);
      else this.launch(item);
    }
  }

  private launch(item: Queued<T>, pooled = false): void {
    const h: Handling<T> = { task: item.task, priority: item.priority, givenUp: false, pooled };
    this.running.add(h);
    this.local.inFlight++;
    void this.run(h);
  }

  private async run(h: Handling<T>): Promise<void> {
    try {
      const traced = telemetryHooks.current;
      const { handle } = this.settings;
      await (traced === undefined
        ? handle(h.task, this.handlerCtx)
        : traced.job(this.local, this.handlerCtx, handle, h.task));
      this.local.processed++;
      if (h.givenUp) {
        this.ctx.logger.warn(
          { generation: this.ctx.generation },
          'a handler settled after its task was handed back (to onDiscard or the queue); the task may be handled twice',
        );
      }
    } catch (e) {
      if (h.givenUp) return;
      if (this.kill.signal.aborted)
        this.def.orphan({ task: h.task, priority: h.priority }, this.ctx.logger);
      else {
        this.local.processed++;
        this.fail(e);
      }
    } finally {
      this.release(h);
    }
  }

  /** The handler of `h` no longer counts as in flight: free its slot. Once per handler. */
  private release(h: Handling<T>): void {
    if (!this.running.delete(h)) return;
    this.local.inFlight--;
    if (h.pooled) this.def.pool!.release();
    const onSlot = this.onSlot;
    this.onSlot = undefined;
    onSlot?.();
    if (this.running.size === 0) this.onIdle?.();
  }

  /** Counts the failure like an iteration's; notes when it ended the generation. */
  private fail(error: unknown): void {
    const signal = this.ctx.signal;
    const before = signal.aborted;
    this.ctx.fail(error);
    if (!before && signal.aborted) this.failed = true;
  }

  /** Resolves when a handler finishes; rejects with `signal.reason` if it aborts first. */
  private slot(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.onSlot = undefined;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.onSlot = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
    });
  }

  private idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.onIdle = resolve;
    });
  }
}
