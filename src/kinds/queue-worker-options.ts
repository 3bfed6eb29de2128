/**
 * The options and types of the queue worker kind, and the error its `put` throws.
 */
import { XstateSupervisorError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ServiceOptions } from '../core/service-options.ts';
import type { ServiceMachine } from '../machines/service.ts';
import type { DurableQueue } from './durable-queue.ts';
import type { TaskQueue } from './queue.ts';
import type { TaskPool } from './task-pool-options.ts';

/**
 * What a queue worker's `handle(task, ctx)` receives besides its task.
 *
 * @example
 * ```ts
 * const handle = async (url: string, ctx: QueueTaskContext) => {
 *   await fetch(url, { signal: ctx.signal });
 * };
 * ```
 */
export interface QueueTaskContext {
  /** The worker's service id. */
  readonly id: string;
  /** The generation running the handler. */
  readonly generation: number;
  /** The worker's logger. */
  readonly logger: Logger;
  /**
   * Aborted when the handler must give up: the generation is killed or hard reset, or a
   * stop's `gracefulWaitTimeout` ran out. Not aborted by a graceful stop, so a draining
   * worker can finish its tasks.
   */
  readonly signal: AbortSignal;
}

/**
 * What `put` does when the queue is full: `'reject'` throws a {@link QueueFullError} at once;
 * `'wait'` returns a promise that resolves once the task is in the queue (backpressure).
 *
 * @example
 * ```ts
 * const onFull: OnFull = 'wait';
 * ```
 */
export type OnFull = 'reject' | 'wait';

/**
 * What a stop does with queued tasks: `'drain'` handles the tasks queued when the stop began
 * (within `gracefulWaitTimeout`); `'discard'` takes no more. Either way the handlers in flight
 * are awaited, and what is left goes to `onDiscard` or stays queued, logged.
 *
 * @example
 * ```ts
 * const stopPolicy: StopPolicy = 'discard';
 * ```
 */
export type StopPolicy = 'drain' | 'discard';

/**
 * Options of a worker's `put`.
 *
 * @example
 * ```ts
 * await mailer.put({ to: 'ops@example.com' }, { priority: 10, signal: AbortSignal.timeout(5_000) });
 * ```
 */
export interface PutOptions {
  /** Greater is taken first; equal priorities in the order they were put. @default 0 */
  priority?: number;
  /**
   * With `onFull: 'wait'`: gives up waiting for room (the promise rejects with its reason and
   * nothing is queued). Ignored with `'reject'`.
   * @default undefined (wait as long as it takes)
   */
  signal?: AbortSignal;
}

/**
 * What `put` returns: `undefined` with `onFull: 'reject'`, a promise with `'wait'`.
 *
 * @example
 * ```ts
 * const accepted: PutResult<'wait'> = waitingWorker.put(job); // Promise<void>
 * ```
 */
export type PutResult<F extends OnFull> = F extends 'wait' ? Promise<void> : undefined;

/** The service options a kind accepts: all but `iterate` and the pacing options. */
type CommonOptions = Omit<
  ServiceOptions,
  'iterate' | 'minPeriod' | 'pause' | 'interval' | 'delayBefore' | 'delayAfter'
>;

/**
 * Options of {@link createQueueWorker}: its own, plus the common service options (`id`,
 * `maxFailures`, `gracePeriod`, `gracefulWaitTimeout`, `cancelOnTimeout`, `restart`,
 * `resetGlobally`, `significant`, `onStart`, `onStop`, `actions`, `logger`). No `iterate` and
 * no pacing: the worker takes a task as soon as it has a free slot.
 *
 * @example
 * ```ts
 * const options: QueueWorkerOptions<{ url: string }> = {
 *   id: 'fetcher',
 *   concurrency: 4,
 *   async handle(task, ctx) {
 *     await fetch(task.url, { signal: ctx.signal });
 *   },
 * };
 * ```
 */
export interface QueueWorkerOptions<T> extends CommonOptions {
  /**
   * Handles one task; sync or async. A throw or rejection is a failure of the service, counted
   * like an iteration's (failure `maxFailures + 1` fails it). Required.
   */
  handle: (task: T, ctx: QueueTaskContext) => unknown;
  /** How many handlers may run at once (per actor). An integer >= 1. @default 1 */
  concurrency?: number;
  /**
   * The most tasks the built-in queue holds: an integer >= 1, or `Infinity`. Not together
   * with `queue` (give your queue its own capacity).
   * @default Infinity
   */
  capacity?: number;
  /** What `put` does when the queue is full. @default 'reject' */
  onFull?: OnFull;
  /** What a stop does with queued tasks. @default 'drain' */
  stopPolicy?: StopPolicy;
  /**
   * The queue to take tasks from: a {@link TaskQueue}, or a {@link DurableQueue} (PostgreSQL,
   * Redis) whose jobs outlive the process; with a durable one, a stop finishes or hands back
   * the jobs in flight and the rest stay in the server, and `onFull`/`onDiscard` do not apply.
   * @default createMemoryQueue({ capacity })
   */
  queue?: TaskQueue<T> | DurableQueue<T>;
  /**
   * Receives the tasks a stop left unprocessed (removed from the queue); may be async. Without
   * it they stay queued, for the next start, and a warning gives their count.
   * @default undefined (keep them queued, log at warn)
   */
  onDiscard?: (tasks: T[]) => unknown;
  /**
   * A {@link TaskPool} shared with other workers: a handler starts only when the pool gives
   * it a slot (by priority, then by arrival, across the workers), on top of this worker's own
   * `concurrency`. Only with the built-in queue (not with `queue`). Its figures show in
   * `getTree()` details as `pool: { name, inUse, limit, waiting }`.
   * @default undefined (no shared limit)
   */
  pool?: TaskPool;
}

/**
 * What a queue worker machine adds to a service machine.
 *
 * Gotcha: the queue belongs to the definition, not to an actor: every actor of one worker
 * (two supervisors holding the same machine, say) takes from it, and it outlives restarts.
 *
 * @example
 * ```ts
 * const worker: QueueWorkerMachine<string, 'reject'> = createQueueWorker({
 *   id: 'echo',
 *   handle: (task: string) => console.log(task),
 * });
 * worker.put('hello');
 * worker.pending(); // ['hello'] until an actor runs
 * ```
 */
export interface QueueWorkerApi<T, F extends OnFull> {
  /**
   * Queues a task. Full queue: with `onFull: 'reject'` throws {@link QueueFullError}; with
   * `'wait'` the returned promise resolves once the task is queued. Callable before any actor
   * runs: the tasks wait in the queue.
   */
  put(task: T, options?: PutOptions): PutResult<F>;
  /** The tasks not processed yet, in the order they will be taken; removes nothing. */
  pending(): T[];
  /**
   * The queue the worker takes from (the durable queue itself when given one: its `enqueue`
   * takes job keys and delays).
   */
  readonly queue: TaskQueue<T> | DurableQueue<T>;
}

/**
 * A queue worker: a service machine (run it with `createActor` or under a supervisor) with
 * `put`, `pending` and `queue`. See {@link QueueWorkerApi}.
 *
 * @example
 * ```ts
 * const worker: QueueWorkerMachine<number> = createQueueWorker({ id: 'sq', handle: (n: number) => n * n });
 * ```
 */
export type QueueWorkerMachine<T, F extends OnFull = OnFull> = ServiceMachine &
  QueueWorkerApi<T, F>;

/**
 * Thrown by a queue worker's `put` (with `onFull: 'reject'`) when its queue is full.
 * `code` is `QUEUE_FULL`; `service` and `capacity` say which queue.
 *
 * @example
 * ```ts
 * try {
 *   worker.put(job);
 * } catch (e) {
 *   if (e instanceof QueueFullError) console.warn(`${e.service} is full (${e.capacity})`);
 * }
 * ```
 */
export class QueueFullError extends XstateSupervisorError {
  /** The worker's service id. */
  readonly service: string;
  /** The queue's capacity (`undefined` when a custom queue does not say). */
  readonly capacity: number | undefined;
  constructor(service: string, capacity: number | undefined) {
    super(
      'QUEUE_FULL',
      `The queue of worker "${service}" is full (capacity ${capacity ?? 'unknown'}); retry later, raise \`capacity\`, or use onFull: 'wait' for backpressure.`,
    );
    this.service = service;
    this.capacity = capacity;
  }
}

/**
 * The defaults of a queue worker's own options.
 *
 * @example
 * ```ts
 * createQueueWorker({ id: 'io', handle() {}, concurrency: QUEUE_WORKER_DEFAULTS.concurrency * 8 });
 * ```
 */
export const QUEUE_WORKER_DEFAULTS = {
  concurrency: 1,
  capacity: Number.POSITIVE_INFINITY,
  onFull: 'reject',
  stopPolicy: 'drain',
} as const;
