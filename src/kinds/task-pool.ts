/**
 * A task pool: one concurrency limit shared by several queue workers, with slots reserved for
 * urgent priorities and one priority that is never throttled. The pool admits; the workers'
 * queues keep their tasks until a slot is theirs.
 */
import { checkOptionNames } from '../core/service-options.ts';
import { checkId, checkInteger, type Fail } from '../core/validate.ts';
import { MemoryQueue } from './queue.ts';
import { checkReserve } from './task-pool-checks.ts';
import {
  TASK_POOL_DEFAULTS,
  type TaskPool,
  TaskPoolConfigError,
  type TaskPoolOptions,
  type TaskPoolStats,
} from './task-pool-options.ts';

/** Where a waiter's tasks come from: a worker's queue, seen by the pool. @internal */
export interface PoolSource<T> {
  /** The priority of the task it would give next, undefined when it has none. */
  nextPriority(): number | undefined;
  /** When that task arrived, by the pool's {@link Pool.arrival} numbers (smaller is older). */
  nextArrival(): number;
  /** Removes and returns that task; called only right after `nextPriority()` was defined. */
  takeNext(): T;
  /** Adds its queued tasks, by priority, to `into`. */
  countByPriority(into: Map<number, number>): void;
}

/** An actor of a worker, waiting for a slot (and the task that comes with it). */
interface SlotWaiter<T> {
  readonly source: PoolSource<T>;
  readonly resolve: (task: T | typeof NOTHING) => void;
  /** Resolve with NOTHING when its source runs dry (a drain: take only what is there). */
  readonly leaveIfEmpty: boolean;
  cleanup: () => void;
}

/** What a drain's waiter gets when its worker's queue ran dry. @internal */
export const NOTHING: unique symbol = Symbol('xstate-supervisor.pool.nothing');

const KNOWN = ['name', 'concurrency', 'reserve', 'unthrottled'];

/**
 * The pool behind {@link createTaskPool}. The workers call `acquire` for a slot and `release`
 * when the handler ends. @internal
 */
export class Pool implements TaskPool {
  readonly name: string;
  readonly concurrency: number;
  readonly reserve: Readonly<Record<string, number>>;
  readonly unthrottled: number | undefined;
  inUse = 0;
  /** In the order they came: the first of equal priority wins. */
  private readonly waiters: SlotWaiter<unknown>[] = [];
  /** Reserve thresholds, greatest first, with the slots reserved at or above each. */
  private readonly above: { readonly priority: number; readonly slots: number }[];
  private arrivals = 0;
  private pumping = false;
  private again = false;

  constructor(options: Required<Omit<TaskPoolOptions, 'unthrottled'>> & { unthrottled?: number }) {
    this.name = options.name;
    this.concurrency = options.concurrency;
    this.reserve = { ...options.reserve };
    this.unthrottled = options.unthrottled;
    this.above = Object.entries(options.reserve)
      .map(([p, slots]) => ({ priority: Number(p), slots }))
      .sort((a, b) => b.priority - a.priority);
  }

  /** Numbers the tasks put on the pool's workers, so the oldest of equal priority goes first. */
  readonly arrival = (): number => ++this.arrivals;

  /** Whether a task of `priority` may start now. */
  admits(priority: number): boolean {
    if (this.unthrottled !== undefined && priority >= this.unthrottled) return true;
    let limit = this.concurrency;
    for (const r of this.above) {
      if (r.priority <= priority) break;
      limit -= r.slots;
    }
    return this.inUse < limit;
  }

  /**
   * Resolves with the next task of `source` once the pool gives it a slot (counted in use:
   * `release()` it when the handler ends); rejects with `signal.reason` if it aborts first,
   * taking nothing. With `leaveIfEmpty`, resolves with {@link NOTHING} when `source` has none.
   */
  acquire<T>(
    source: PoolSource<T>,
    signal: AbortSignal,
    leaveIfEmpty = false,
  ): Promise<T | typeof NOTHING> {
    if (signal.aborted) return Promise.reject(signal.reason);
    // After every pump no waiting task may start, so one that may start now outranks them all
    // (a reserve never admits a lower priority where it refuses a higher one): no need to wait.
    const priority = source.nextPriority();
    if (priority !== undefined && !this.pumping && this.admits(priority)) {
      this.inUse++;
      return Promise.resolve(source.takeNext());
    }
    return new Promise<T | typeof NOTHING>((resolve, reject) => {
      const waiter: SlotWaiter<T> = { source, resolve, leaveIfEmpty, cleanup: () => {} };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter as SlotWaiter<unknown>);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      waiter.cleanup = () => signal.removeEventListener('abort', onAbort);
      this.waiters.push(waiter as SlotWaiter<unknown>);
      this.pump();
    });
  }

  /** A handler ended (or was given up): its slot is free. */
  release(): void {
    this.inUse--;
    this.pump();
  }

  /**
   * Gives free slots to the waiters: each round, the one whose next task has the greatest
   * priority, the oldest task among equals; stops at the first it may not admit, since every
   * other has a lower priority (reserves only grow as priority falls) or an equal one.
   */
  pump(): void {
    if (this.waiters.length === 0) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (this.grantOne()) {}
      } while (this.again);
    } finally {
      this.pumping = false;
    }
  }

  private grantOne(): boolean {
    let best = -1;
    let bestPriority = Number.NEGATIVE_INFINITY;
    let bestArrival = 0;
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      const p = w.source.nextPriority();
      if (p === undefined) {
        if (w.leaveIfEmpty) {
          this.waiters.splice(i--, 1);
          w.cleanup();
          w.resolve(NOTHING);
        }
        continue;
      }
      // Two actors of one worker see the same task: the first to wait takes it.
      const arrival = w.source.nextArrival();
      if (best < 0 || p > bestPriority || (p === bestPriority && arrival < bestArrival)) {
        best = i;
        bestPriority = p;
        bestArrival = arrival;
      }
    }
    if (best < 0 || !this.admits(bestPriority)) return false;
    const w = this.waiters.splice(best, 1)[0]!;
    w.cleanup();
    this.inUse++;
    w.resolve(w.source.takeNext());
    return true;
  }

  stats(): TaskPoolStats {
    const counts = new Map<number, number>();
    const seen = new Set<PoolSource<unknown>>();
    for (const w of this.waiters) {
      if (seen.has(w.source) || w.source.nextPriority() === undefined) continue;
      seen.add(w.source);
      w.source.countByPriority(counts);
    }
    const waiting: Record<string, number> = {};
    for (const [p, n] of [...counts].sort((a, b) => b[0] - a[0])) waiting[String(p)] = n;
    return { name: this.name, inUse: this.inUse, limit: this.concurrency, waiting };
  }
}

/**
 * Checks a queue worker's `pool` option: a pool takes from the built-in queue, since it must
 * see the next task's priority. @internal
 */
export function checkPool(pool: unknown, queue: unknown, fail: Fail): Pool | undefined {
  if (pool === undefined) return undefined;
  if (!(pool instanceof Pool)) {
    fail({ option: 'pool', received: pool, expected: 'a task pool made by createTaskPool()' });
  }
  if (queue !== undefined && !(queue instanceof MemoryQueue)) {
    fail({
      option: 'pool',
      received: pool.name,
      expected:
        'no `pool` together with a durable or custom `queue` (a pool works with the built-in queue: set `capacity` instead)',
    });
  }
  return pool;
}

/**
 * Creates a task pool to share between queue workers: `createQueueWorker({ pool, ... })`.
 * At most `concurrency` handlers run at once across every worker of the pool (each worker's
 * own `concurrency` still applies); `reserve` keeps slots for urgent priorities, and tasks of
 * priority `unthrottled` or greater are never held back. Waiting tasks get free slots by
 * priority (greatest first), then by how long their worker has waited, whichever worker
 * they belong to.
 *
 * Gotchas: a pool works with the built-in in-memory queue; a worker given a durable or a
 * custom queue together with a pool is a config error. The pool is a plain object: share it
 * by passing it to workers in any supervisor of the process; its figures show in each
 * worker's `getTree()` details (`pool`) and on `/metrics`.
 *
 * @example
 * ```ts
 * import { createQueueWorker, createTaskPool } from 'xstate-supervisor';
 *
 * const pool = createTaskPool({ name: 'io', concurrency: 8, reserve: { 10: 2 }, unthrottled: 100 });
 * const mailer = createQueueWorker({ id: 'mailer', pool, concurrency: 4, handle: send });
 * const fetcher = createQueueWorker({ id: 'fetcher', pool, concurrency: 8, handle: fetchOne });
 * fetcher.put(url, { priority: 100 }); // starts even when the 8 slots are taken
 * ```
 */
export function createTaskPool(options: TaskPoolOptions): TaskPool {
  const { fail } = checkOptionNames(options, KNOWN, {
    error: TaskPoolConfigError,
    unknownCode: 'TASK_POOL_CONFIG_UNKNOWN_OPTION',
    ownerKey: 'name',
  });
  const name =
    options.name === undefined ? TASK_POOL_DEFAULTS.name : checkId(options.name, fail, 'name');
  if (options.concurrency === undefined) {
    fail({ option: 'concurrency', received: undefined, expected: 'an integer >= 1 (required)' });
  }
  const concurrency = checkInteger(options.concurrency, 'concurrency', fail, 1)!;
  const reserve = checkReserve(options.reserve, concurrency, fail);
  const { unthrottled } = options;
  if (unthrottled !== undefined) {
    if (typeof unthrottled !== 'number' || !Number.isFinite(unthrottled)) {
      fail({ option: 'unthrottled', received: unthrottled, expected: 'a finite priority' });
    }
    const top = Math.max(...Object.keys(reserve).map(Number));
    if (unthrottled <= top) {
      fail({
        option: 'unthrottled',
        received: unthrottled,
        expected: `a priority above every reserve's (greater than ${top})`,
      });
    }
  }
  return new Pool({
    name,
    concurrency,
    reserve,
    ...(unthrottled === undefined ? {} : { unthrottled }),
  });
}
