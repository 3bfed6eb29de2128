/**
 * The shared half of a queue worker: the definition's queue, its waiting putters and the
 * tasks left over, shared by every actor of one worker and kept across restarts.
 * Internal: `createQueueWorker` builds on it; nothing here is exported from the package.
 */
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { MemoryQueue, Queued, TaskQueue } from './queue.ts';
import type { QueueTaskContext } from './queue-worker-options.ts';
import type { Pool, PoolSource } from './task-pool.ts';

/** The settings a generation needs from the worker's options. @internal */
export interface QueueSettings<T> {
  readonly handle: (task: T, ctx: QueueTaskContext) => unknown;
  readonly concurrency: number;
  readonly stopPolicy: 'drain' | 'discard';
}

/** A running generation, as the definition sees it: something to abandon at a deadline. */
export interface AbandonableGeneration {
  abandon(reason: unknown): void;
}

interface PutWaiter<T> {
  readonly task: T;
  readonly priority: number;
  readonly resolve: () => void;
  readonly cleanup: () => void;
}

/**
 * Hands a worker's unprocessed tasks over at run()'s deadline (see
 * {@link QueueDefinition.abandon}); resolves with how many there were.
 * @internal
 */
export type AbandonQueue = (fallback: Logger, reason: unknown) => Promise<number>;

const ABANDON = Symbol('xstate-supervisor.abandonQueue');

/** Marks a queue worker machine so run() can find its queue at the deadline. @internal */
export function markAbandonable(machine: object, def: QueueDefinition<unknown>): void {
  const abandon: AbandonQueue = (fallback, reason) => def.abandon(fallback, reason);
  // Not enumerable: the machine's own JSON and keys stay as XState makes them.
  Object.defineProperty(machine, ABANDON, { value: abandon });
}

/** The deadline hand-over of a queue worker machine, or undefined for any other. @internal */
export function abandonerOf(machine: unknown): AbandonQueue | undefined {
  if (typeof machine !== 'object' || machine === null) return undefined;
  return (machine as { [ABANDON]?: AbandonQueue })[ABANDON];
}

/**
 * The queue of one worker definition, shared by all its actors. In a task pool it is the
 * pool's source of tasks: the pool sees its next priority and takes from it. @internal
 */
export class QueueDefinition<T> implements PoolSource<Queued<T>> {
  readonly id: string;
  readonly queue: TaskQueue<T>;
  /**
   * Tasks taken whose handler was aborted, each with its own priority, greatest first (in the
   * order they came back among equals). Taken again before the queue; in a task pool, before
   * the queued tasks of their priority or less.
   */
  readonly orphans: Queued<T>[] = [];
  /** Actors between a successful `onStart` and their `onStop`. */
  active = 0;
  /** The generations whose handlers may still run (abandoned at run()'s deadline). */
  readonly generations = new Set<AbandonableGeneration>();
  /** The logger of the latest generation, for what happens outside one (the deadline). */
  logger: Logger | undefined;
  private readonly waiters: PutWaiter<T>[] = [];
  private readonly onDiscard: ((tasks: T[]) => unknown) | undefined;
  /** A durable queue's hand-back: a task not processed goes back to the server, not orphans. */
  private readonly giveBack: ((task: T, logger: Logger) => void) | undefined;

  /** The task pool its actors share with other workers, and its queue (the built-in one). */
  readonly pool: Pool | undefined;
  private readonly memory: MemoryQueue<T> | undefined;

  constructor(
    id: string,
    queue: TaskQueue<T>,
    onDiscard: ((tasks: T[]) => unknown) | undefined,
    giveBack?: (task: T, logger: Logger) => void,
    pool?: { pool: Pool; queue: MemoryQueue<T> },
  ) {
    this.id = id;
    this.queue = queue;
    this.pool = pool?.pool;
    this.memory = pool?.queue;
    // Every task queued, put on the worker or straight into a queue given as `queue`, wakes
    // the pool: it may be the most urgent one waiting.
    pool?.queue.stampWith(pool.pool.arrival, () => pool.pool.pump());
    this.onDiscard = onDiscard;
    this.giveBack = giveBack;
  }

  /** Keeps a task taken but not started: back to the server (durable), else first in line. */
  keep(item: Queued<T>, logger: Logger): void {
    if (this.giveBack) this.giveBack(item.task, logger);
    else this.handBack(item);
  }

  /** Puts at once if there is room and nobody waits before us (a pool hears of it). */
  tryPut(task: T, priority: number): boolean {
    return this.waiters.length === 0 && this.queue.put(task, priority);
  }

  /** Whether the pool's next task is the first handed back (ahead of the queue's head). */
  private orphanFirst(): boolean {
    const orphan = this.orphans[0];
    if (orphan === undefined) return false;
    const head = this.memory!.headPriority();
    return head === undefined || orphan.priority >= head;
  }

  /**
   * The pool's view: the priority of the next task, the one `takeNext()` gives: the greater of
   * the first handed back (it wins a tie) and the queue's head.
   */
  nextPriority(): number | undefined {
    return this.orphanFirst() ? this.orphans[0]!.priority : this.memory!.headPriority();
  }

  /** A task handed back was taken before: it goes before any still queued of its priority. */
  nextArrival(): number {
    return this.orphanFirst() ? Number.NEGATIVE_INFINITY : this.memory!.headStamp();
  }

  /** The pool gave a slot: the next task, synchronously (nextPriority() was defined). */
  takeNext(): Queued<T> {
    const item = this.orphanFirst() ? this.orphans.shift()! : this.memory!.takeNow();
    this.flushWaiters();
    return item;
  }

  countByPriority(into: Map<number, number>): void {
    this.memory!.countByPriority(into);
    for (const { priority: p } of this.orphans) into.set(p, (into.get(p) ?? 0) + 1);
  }

  /** Back in line: after the tasks handed back of its priority or more, before the others. */
  private handBack(item: Queued<T>): void {
    let i = this.orphans.length;
    while (i > 0 && this.orphans[i - 1]!.priority < item.priority) i--;
    this.orphans.splice(i, 0, item);
    this.pool?.pump();
  }

  /** Waits for room (backpressure); rejects with `signal.reason` if it aborts first. */
  putWhenRoom(task: T, priority: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal!.reason);
      };
      const waiter: PutWaiter<T> = {
        task,
        priority,
        resolve,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Moves waiting putters into the queue while it has room, in the order they came. */
  flushWaiters(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0]!;
      if (!this.queue.put(w.task, w.priority)) break;
      this.waiters.shift();
      w.cleanup();
      w.resolve();
    }
  }

  /**
   * Without a pool: the next task, an orphan first, else the queue's (which may wait). A task
   * of the queue comes with priority 0: a queue's `take` does not say it, and only a pool
   * (which takes with `takeNext()`) reads it.
   */
  async take(signal: AbortSignal): Promise<Queued<T>> {
    if (this.orphans.length > 0) return this.orphans.shift()!;
    const task = await this.queue.take(signal);
    this.flushWaiters();
    return { task, priority: 0 };
  }

  /** Whether a task can be had without waiting. */
  hasReady(): boolean {
    return this.orphans.length > 0 || this.queue.size > 0;
  }

  /** Every task not processed yet, in the order they would be taken. */
  pending(): T[] {
    if (this.memory === undefined) {
      return [...this.orphans.map((o) => o.task), ...this.queue.toArray()];
    }
    // In a pool: the tasks handed back merged with the queue's, by priority (they win ties).
    const queued = this.memory.entries();
    const all: T[] = [];
    let q = 0;
    for (const o of this.orphans) {
      while (q < queued.length && queued[q]!.priority > o.priority) all.push(queued[q++]!.task);
      all.push(o.task);
    }
    for (; q < queued.length; q++) all.push(queued[q]!.task);
    return all;
  }

  /** A handler was aborted: its task was not processed. */
  orphan(item: Queued<T>, logger: Logger): void {
    if (this.giveBack) {
      this.giveBack(item.task, logger);
      return;
    }
    if (this.active === 0 && this.onDiscard) {
      void this.discard([item.task], logger);
      return;
    }
    this.handBack(item);
    if (this.active === 0) {
      logger.warn({ unprocessed: 1 }, 'handler aborted; its task stays queued (worker.pending())');
    }
  }

  /**
   * The last running actor has stopped: hand what is left to `onDiscard`, or keep it queued
   * and say so. After a failure the tasks always stay, for the restart.
   */
  async leftovers(logger: Logger, failed: boolean): Promise<void> {
    if (!failed && this.onDiscard) {
      const tasks = [...this.orphans.splice(0).map((o) => o.task), ...this.queue.drain()];
      this.flushWaiters();
      if (tasks.length > 0) await this.discard(tasks, logger);
      return;
    }
    const count = this.orphans.length + this.queue.size;
    if (count === 0) return;
    logger.warn(
      { unprocessed: count },
      failed
        ? `worker failed with ${count} task(s) unprocessed; they stay queued for the restart`
        : `stopped with ${count} task(s) unprocessed; they stay queued (worker.pending())`,
    );
  }

  /**
   * run()'s `shutdownTimeout` ran out and the process is about to exit: abort every handler,
   * and hand every task not processed (in flight, queued, waiting for room) to `onDiscard`;
   * without it, log their count (they stay in `pending()`). Resolves with that count once
   * `onDiscard` has settled.
   */
  async abandon(fallback: Logger, reason: unknown): Promise<number> {
    const logger = this.logger ?? fallback.child({ service: this.id });
    for (const gen of [...this.generations]) gen.abandon(reason);
    if (!this.onDiscard) {
      const count = this.orphans.length + this.queue.size + this.waiters.length;
      if (count > 0) {
        logger.error(
          { unprocessed: count },
          `shutdownTimeout ran out with ${count} task(s) unprocessed and no onDiscard; they are lost if the process exits`,
        );
      }
      return count;
    }
    const waiting = this.waiters.splice(0);
    const tasks = [
      ...this.orphans.splice(0).map((o) => o.task),
      ...this.queue.drain(),
      ...waiting.map((w) => w.task),
    ];
    for (const w of waiting) {
      w.cleanup();
      w.resolve();
    }
    if (tasks.length === 0) return 0;
    logger.error(
      { unprocessed: tasks.length },
      `shutdownTimeout ran out; ${tasks.length} unprocessed task(s) handed to onDiscard`,
    );
    await this.discard(tasks, logger);
    return tasks.length;
  }

  private async discard(tasks: T[], logger: Logger): Promise<void> {
    try {
      await this.onDiscard!(tasks);
    } catch (e) {
      logger.error(
        { unprocessed: tasks.length, err: toError(e) },
        `onDiscard threw; ${tasks.length} unprocessed task(s) were handed to it`,
      );
    }
  }
}
