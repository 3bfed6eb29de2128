/**
 * The task queue behind a queue worker: a small interface a durable queue can implement, and
 * the in-memory one used by default (priority classes, FIFO within a priority).
 */
import { ServiceConfigError } from '../core/errors.ts';

/**
 * A queue of tasks a queue worker takes from. Implement it to put a durable queue (Redis, a
 * database table) behind `createQueueWorker({ queue })`; {@link createMemoryQueue} is the
 * in-memory one.
 *
 * Contract: `take` resolves with the task of highest priority (greater number first), the
 * oldest among equals; it waits while the queue is empty and rejects with `signal.reason` when
 * `signal` aborts. A task handed to a taker is no longer in the queue. `put` returns `false`
 * when the queue is full (it throws only on a bad priority); the worker turns that into an
 * error or a wait.
 *
 * Gotcha: several takers may wait at once (two actors of one worker share its queue); serve
 * them in the order they came, and never give one task to two of them.
 *
 * @example
 * ```ts
 * const queue: TaskQueue<string> = createMemoryQueue<string>({ capacity: 100 });
 * queue.put('resize a.png', 0);
 * queue.put('charge card 42', 10); // taken first
 * const next = await queue.take(AbortSignal.timeout(1_000)); // 'charge card 42'
 * ```
 */
export interface TaskQueue<T> {
  /**
   * Adds a task with a priority (greater is taken first). Returns `false`, and adds nothing,
   * when the queue is full.
   */
  put(task: T, priority: number): boolean;
  /** Removes and resolves with the next task, waiting while there is none; aborted by `signal`. */
  take(signal: AbortSignal): Promise<T>;
  /** Removes and returns every queued task, in the order `take` would have given them. */
  drain(): T[];
  /** The queued tasks, in the order `take` would give them, without removing them. */
  toArray(): T[];
  /** How many tasks are queued. */
  readonly size: number;
  /** The most tasks it holds; shown in `getTree()` and in a `QueueFullError`. */
  readonly capacity?: number;
}

/**
 * Options of {@link createMemoryQueue}.
 *
 * @example
 * ```ts
 * const options: MemoryQueueOptions = { capacity: 1_000 };
 * ```
 */
export interface MemoryQueueOptions {
  /**
   * The most tasks the queue holds; `put` returns false beyond it. An integer >= 1, or
   * `Infinity`.
   * @default Infinity
   */
  capacity?: number;
}

/** A FIFO of one priority: an array read from a moving head, compacted now and then. */
class Bucket<T> {
  private items: T[] = [];
  private head = 0;
  /** When the queue is stamped (in a task pool): each item's arrival number, in step. */
  private stamps: number[] | undefined;
  constructor(stamped: boolean) {
    if (stamped) this.stamps = [];
  }
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T, stamp: number): void {
    this.items.push(item);
    this.stamps?.push(stamp);
  }
  /** The arrival number of the first item (0 when not stamped). */
  firstStamp(): number {
    return this.stamps?.[this.head] ?? 0;
  }
  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T; // let it be collected
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      if (this.stamps) this.stamps = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      if (this.stamps) this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  values(): T[] {
    return this.items.slice(this.head);
  }
}

/** A task taken from a {@link MemoryQueue}, with the priority it was queued at. @internal */
export interface Queued<T> {
  readonly task: T;
  readonly priority: number;
}

interface Taker<T> {
  resolve(task: T): void;
  reject(reason: unknown): void;
  signal: AbortSignal;
  onAbort: () => void;
}

/**
 * The in-memory queue. Exported for the task pool, which needs to see a queue's next priority
 * and take from it synchronously; not part of the package's API. @internal
 */
export class MemoryQueue<T> implements TaskQueue<T> {
  readonly capacity: number;
  private count = 0;
  /** One bucket per priority present, and those priorities in descending order. */
  private readonly buckets = new Map<number, Bucket<T>>();
  private readonly priorities: number[] = [];
  private readonly takers: Taker<T>[] = [];
  /** Numbers the tasks as they arrive, when a task pool orders several queues' tasks. */
  private stamp: (() => number) | undefined;
  /** Told of every task queued, when a task pool waits on this queue (see `stampWith`). */
  private onPut: (() => void) | undefined;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.count;
  }

  put(task: T, priority: number): boolean {
    if (typeof priority !== 'number' || Number.isNaN(priority)) {
      throw new TypeError(`Expected a task priority to be a number, got ${String(priority)}.`);
    }
    // A waiting taker means the queue is empty: hand the task over directly.
    const taker = this.takers.shift();
    if (taker) {
      taker.signal.removeEventListener('abort', taker.onAbort);
      taker.resolve(task);
      return true;
    }
    if (this.count >= this.capacity) return false;
    let bucket = this.buckets.get(priority);
    if (!bucket) {
      bucket = new Bucket<T>(this.stamp !== undefined);
      this.buckets.set(priority, bucket);
      this.priorities.splice(this.insertionIndex(priority), 0, priority);
    }
    bucket.push(task, this.stamp === undefined ? 0 : this.stamp());
    this.count++;
    // A task put straight into the queue, not through its worker, must wake the pool too.
    this.onPut?.();
    return true;
  }

  take(signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.count > 0) return Promise.resolve(this.shift());
    return new Promise<T>((resolve, reject) => {
      const taker: Taker<T> = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.takers.indexOf(taker);
          if (i >= 0) this.takers.splice(i, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', taker.onAbort, { once: true });
      this.takers.push(taker);
    });
  }

  drain(): T[] {
    const all = this.toArray();
    this.buckets.clear();
    this.priorities.length = 0;
    this.count = 0;
    return all;
  }

  toArray(): T[] {
    const all: T[] = [];
    for (const p of this.priorities) all.push(...this.buckets.get(p)!.values());
    return all;
  }

  /**
   * From now on, numbers each task put with `stamp()` (a task pool's arrival counter shared
   * by its queues), so `headStamp()` says which of two queues' heads came first; tasks already
   * queued are numbered now, in their order. `onPut` is called after each task queued (the
   * pool looks for a slot for it), whoever put it. @internal
   */
  stampWith(stamp: () => number, onPut?: () => void): void {
    this.stamp = stamp;
    this.onPut = onPut;
    for (const p of this.priorities) {
      // Tasks put before: stamped now, in their order.
      const bucket = this.buckets.get(p)!;
      const fresh = new Bucket<T>(true);
      for (const task of bucket.values()) fresh.push(task, stamp());
      this.buckets.set(p, fresh);
    }
  }

  /** The priority of the task `take` would give next, or undefined when empty. @internal */
  headPriority(): number | undefined {
    return this.priorities[0];
  }

  /** The arrival number of the task `take` would give next (see `stampWith`). @internal */
  headStamp(): number {
    const top = this.priorities[0];
    return top === undefined ? 0 : this.buckets.get(top)!.firstStamp();
  }

  /** Removes and returns the next task with its priority; only when `size > 0`. @internal */
  takeNow(): Queued<T> {
    const priority = this.priorities[0]!;
    return { task: this.shift(), priority };
  }

  /** The queued tasks with their priorities, in the order `take` would give them. @internal */
  entries(): Queued<T>[] {
    const all: Queued<T>[] = [];
    for (const priority of this.priorities) {
      for (const task of this.buckets.get(priority)!.values()) all.push({ task, priority });
    }
    return all;
  }

  /** How many tasks wait at each priority, greatest first. @internal */
  countByPriority(into: Map<number, number>): void {
    for (const p of this.priorities) into.set(p, (into.get(p) ?? 0) + this.buckets.get(p)!.size);
  }

  private shift(): T {
    const top = this.priorities[0]!;
    const bucket = this.buckets.get(top)!;
    const task = bucket.shift();
    this.count--;
    if (bucket.size === 0) {
      this.buckets.delete(top);
      this.priorities.shift();
    }
    return task;
  }

  /** Where `priority` goes in the descending list (binary search). */
  private insertionIndex(priority: number): number {
    let lo = 0;
    let hi = this.priorities.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.priorities[mid]! > priority) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Creates the in-memory {@link TaskQueue}: one FIFO bucket per priority, the priorities kept
 * sorted, so `put` and `take` cost O(log p) for p distinct priorities (usually a handful).
 * Greater priority is taken first; equal priorities in the order they were put.
 *
 * Gotcha: it lives in this process; tasks in it are lost if the process dies. Implement
 * {@link TaskQueue} over durable storage when that matters.
 *
 * @example
 * ```ts
 * const queue = createMemoryQueue<{ file: string }>({ capacity: 2 });
 * queue.put({ file: 'a.png' }, 0); // true
 * queue.put({ file: 'b.png' }, 5); // true
 * queue.put({ file: 'c.png' }, 0); // false: full
 * queue.toArray(); // [{ file: 'b.png' }, { file: 'a.png' }]
 * ```
 */
export function createMemoryQueue<T>(options: MemoryQueueOptions = {}): TaskQueue<T> {
  for (const option of Object.keys(options)) {
    if (option !== 'capacity') {
      throw new ServiceConfigError(
        {
          option,
          received: (options as Record<string, unknown>)[option],
          expected: 'no such option; the only option is capacity',
        },
        'SERVICE_CONFIG_UNKNOWN_OPTION',
      );
    }
  }
  const capacity = options.capacity ?? Number.POSITIVE_INFINITY;
  if (capacity !== Number.POSITIVE_INFINITY && (!Number.isInteger(capacity) || capacity < 1)) {
    throw new ServiceConfigError({
      option: 'capacity',
      received: capacity,
      expected: 'an integer >= 1, or Infinity',
    });
  }
  return new MemoryQueue<T>(capacity);
}
