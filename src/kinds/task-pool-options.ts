/**
 * The options and types of a task pool (shared admission for queue workers), and the error
 * its creation throws.
 */
import { type ConfigErrorDetails, describeValue, XstateSupervisorError } from '../core/errors.ts';

/**
 * Options of {@link createTaskPool}.
 *
 * @example
 * ```ts
 * const options: TaskPoolOptions = {
 *   name: 'io',
 *   concurrency: 8,
 *   reserve: { 10: 2 }, // 2 of the 8 slots only for tasks of priority >= 10
 *   unthrottled: 100, // tasks of priority >= 100 run even when the pool is full
 * };
 * ```
 */
export interface TaskPoolOptions {
  /**
   * The pool's name, shown in `getTree()` details and as the `pool` label on `/metrics`. Give
   * each pool of a process its own. Letters, digits, `_`, `.` or `-`.
   * @default 'pool'
   */
  name?: string;
  /**
   * How many handlers may run at once across every queue worker sharing the pool. An integer
   * >= 1. Required.
   */
  concurrency: number;
  /**
   * Slots held back for urgent work: `{ [priority]: slots }` keeps `slots` of the pool's
   * `concurrency` for tasks of that priority or greater. A task of priority p may take a slot
   * while fewer than `concurrency - (slots reserved for priorities above p)` are in use.
   * Integers >= 1, summing to less than `concurrency` (so priority 0 can still run).
   * @default {} (no reserve)
   */
  reserve?: Readonly<Record<number, number>>;
  /**
   * Tasks of this priority or greater are never throttled: they start as soon as their worker
   * has a slot of its own, even when the pool is full (they still count as in use, so they
   * hold back the others). A finite number, above every `reserve` priority.
   * @default undefined (every task is throttled)
   */
  unthrottled?: number;
}

/**
 * A pool's figures at one moment: slots `inUse` (may exceed `limit` by the unthrottled tasks
 * running), its `limit` (`concurrency`), and `waiting`: for each priority, the tasks queued
 * in the workers the pool holds back now (a worker with a free slot of its own waiting for
 * the pool), keyed by priority.
 *
 * @example
 * ```ts
 * const s: TaskPoolStats = pool.stats();
 * if (s.inUse >= s.limit) console.log(`pool full; waiting: ${JSON.stringify(s.waiting)}`);
 * ```
 */
export interface TaskPoolStats {
  /** The pool's name. */
  readonly name: string;
  /** Slots taken by running handlers, unthrottled ones included (so it may exceed `limit`). */
  readonly inUse: number;
  /** The pool's `concurrency`. */
  readonly limit: number;
  /** Per priority (the key), the tasks queued in the workers the pool holds back now. */
  readonly waiting: Readonly<Record<string, number>>;
}

/**
 * A concurrency limit shared by several queue workers (`createQueueWorker({ pool })`). Each
 * worker still runs at most its own `concurrency` handlers per actor; the pool bounds them
 * together. Slots go to the waiting task of greatest priority, the worker that waited longest
 * among equals, whichever worker it belongs to.
 *
 * @example
 * ```ts
 * const pool: TaskPool = createTaskPool({ name: 'cpu', concurrency: 4 });
 * pool.stats(); // { name: 'cpu', inUse: 0, limit: 4, waiting: {} }
 * ```
 */
export interface TaskPool {
  /** Its name, as given (`'pool'` by default). */
  readonly name: string;
  /** The most handlers it lets run at once, unthrottled ones aside. */
  readonly concurrency: number;
  /** The reserves, as given (priority to slots). */
  readonly reserve: Readonly<Record<string, number>>;
  /** The priority from which tasks are never held back; undefined when none is. */
  readonly unthrottled: number | undefined;
  /** The pool's figures now (a walk of the waiting workers; cheap, not for a hot loop). */
  stats(): TaskPoolStats;
}

/**
 * Thrown by {@link createTaskPool} on a bad or unknown option. `code` is
 * `TASK_POOL_CONFIG_INVALID` or `TASK_POOL_CONFIG_UNKNOWN_OPTION`; `option`, `received` and
 * `expected` say what was wrong, `owner` is the pool's name when known.
 *
 * @example
 * ```ts
 * try {
 *   createTaskPool({ concurrency: 2, reserve: { 10: 2 } });
 * } catch (e) {
 *   if (e instanceof TaskPoolConfigError) console.log(e.code, e.option, e.expected);
 *   // TASK_POOL_CONFIG_INVALID reserve reserves summing to less than concurrency (2)
 * }
 * ```
 */
export class TaskPoolConfigError extends XstateSupervisorError implements ConfigErrorDetails {
  readonly option: string;
  readonly received: unknown;
  readonly expected: string;
  readonly owner: string | undefined;
  constructor(details: ConfigErrorDetails, code = 'TASK_POOL_CONFIG_INVALID') {
    const owner = details.owner === undefined ? '' : ` of task pool "${details.owner}"`;
    super(
      code,
      `Invalid option \`${details.option}\`${owner}: expected ${details.expected}, got ${describeValue(details.received)}.`,
    );
    this.option = details.option;
    this.received = details.received;
    this.expected = details.expected;
    this.owner = details.owner;
  }
}

/**
 * The defaults of a task pool's options.
 *
 * @example
 * ```ts
 * createTaskPool({ concurrency: 4, name: TASK_POOL_DEFAULTS.name });
 * ```
 */
export const TASK_POOL_DEFAULTS = { name: 'pool' } as const;
