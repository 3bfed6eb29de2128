/**
 * The durable queue a queue worker accepts beside the in-memory {@link TaskQueue}: jobs live in
 * a server (PostgreSQL, Redis), a worker takes one with a lease it extends while the handler
 * runs, and settles it (complete, fail, or hand it back). Only types and a guard live here; the
 * engines are in the `xstate-supervisor/postgres` and `xstate-supervisor/redis` entries.
 */

/**
 * Options of a durable queue's `enqueue`.
 *
 * @example
 * ```ts
 * await queue.enqueue({ order: 42 }, { key: 'order-42', priority: 10, delay: 5_000 });
 * ```
 */
export interface EnqueueOptions {
  /** Greater is taken first; equal priorities oldest first. An integer. @default 0 */
  priority?: number;
  /**
   * A job key: while a job with this key is kept by the server (queued, running, or finished
   * and not yet removed by retention), enqueueing the same key adds nothing and resolves `null`.
   * @default undefined (no deduplication)
   */
  key?: string;
  /** Milliseconds before the job may be taken. @default 0 */
  delay?: number;
}

/**
 * A job taken from a {@link DurableQueue}: the worker holds it until it settles it once, with
 * `complete`, `fail` (a retry with backoff, or the dead letters when the attempts are spent)
 * or `release` (back to the queue, no attempt spent). The queue extends the lease while it is
 * held; if the process dies, the lease expires and the job is delivered again (at least once).
 *
 * @example
 * ```ts
 * const lease = await queue.take(signal);
 * try {
 *   await send(lease.task);
 *   await lease.complete();
 * } catch (e) {
 *   await lease.fail(e as Error);
 * }
 * ```
 */
export interface Lease<T> {
  /** The job's id in the server. */
  readonly id: string;
  /** The job's payload. */
  readonly task: T;
  /** 1 for the first delivery, +1 for each retry or redelivery. */
  readonly attempt: number;
  /**
   * Aborted, with a `DurableLeaseLostError` as its reason, when the lease is lost: the server
   * gave the job away, or it could not be extended before it ran out (a dropped connection).
   * The worker passes it on to the handler's `ctx.signal`. Optional for queues of your own.
   * @default undefined (the lease is never reported lost)
   */
  readonly signal?: AbortSignal;
  /** The job is done: removed from the queue (kept for retention). */
  complete(): Promise<void>;
  /** The handler failed: retried after a backoff, or dead-lettered once attempts are spent. */
  fail(error: Error): Promise<void>;
  /** Hands the job back to the queue untouched (a stop or a kill), no attempt spent. */
  release(): Promise<void>;
  /** Extends the lease now (the queue also does it on a timer while the lease is held). */
  extend(): Promise<void>;
}

/**
 * What a durable queue shows in `getTree()` details and `/metrics`: `queued` (waiting or
 * delayed), `inFlight` (leased, by any replica), `retries` (failed attempts waiting for their
 * retry), `deadLetters` (jobs whose attempts are spent). Counts read from the server every
 * `statsInterval`; `at` is when.
 *
 * @example
 * ```ts
 * const s: DurableQueueStats | undefined = queue.stats();
 * if (s && s.deadLetters > 0) console.warn(`${s.deadLetters} dead letters`);
 * ```
 */
export interface DurableQueueStats {
  /** Jobs waiting to be taken, delayed ones and those waiting for a retry included. */
  readonly queued: number;
  /** Jobs leased right now, by any replica. */
  readonly inFlight: number;
  /**
   * Failed attempts waiting for their retry (PostgreSQL: read from the server; Redis: the
   * failed attempts this process sent to a retry, as BullMQ keeps them among its delayed jobs).
   */
  readonly retries: number;
  /** Jobs whose attempts are spent, kept in the dead-letter destination. */
  readonly deadLetters: number;
  /** When these counts were read from the server, in milliseconds since the epoch (`Date.now()`). */
  readonly at: number;
}

/**
 * A queue whose jobs live in a server. Give one to `createQueueWorker({ queue })`: the worker
 * opens it on start (a server that does not answer fails the start with a
 * `DurableConnectionError`, and the supervisor restarts the worker), takes leases while
 * running, and detaches on stop (jobs it did not take stay in the server for any replica).
 *
 * Gotchas: delivery is at least once, so handlers must be idempotent; `take` must hand one job
 * to one taker; `detach` hands back whatever was prefetched but not taken.
 *
 * @example
 * ```ts
 * import { createQueueWorker } from 'xstate-supervisor';
 * import { createPostgresQueue } from 'xstate-supervisor/postgres';
 *
 * const emails = createPostgresQueue<{ to: string }>({ name: 'emails', connection: { database: 'app' } });
 * const worker = createQueueWorker({ id: 'mailer', queue: emails, concurrency: 4, handle: send });
 * await emails.enqueue({ to: 'a@example.com' }, { key: 'welcome-a' });
 * ```
 */
export interface DurableQueue<T> {
  /** Tells a durable queue from an in-memory {@link index!TaskQueue | TaskQueue}. */
  readonly durable: true;
  /** `postgres`, `redis`, or your own. */
  readonly backend: string;
  /** The queue's name in the server. */
  readonly name: string;
  /** Adds a job; resolves with its id, or `null` when `key` deduplicated it. */
  enqueue(task: T, options?: EnqueueOptions): Promise<string | null>;
  /**
   * Connects and prepares the consuming side; idempotent. `concurrency` is how many jobs the
   * caller handles at once (a queue that fetches ahead fetches no more than that).
   */
  open(consumer?: { concurrency?: number }): Promise<void>;
  /** The next job, with a lease; waits while there is none; rejects with `signal.reason`. */
  take(signal: AbortSignal): Promise<Lease<T>>;
  /**
   * Undoes one `open`: the last one stops consuming (hands back what was fetched and not
   * taken); `open` starts it again.
   */
  detach(): Promise<void>;
  /** Detaches and closes every connection the queue made. */
  close(): Promise<void>;
  /** The latest counts read from the server, or `undefined` before the first read. */
  stats(): DurableQueueStats | undefined;
}

/**
 * Whether a value is a {@link DurableQueue} (has `durable: true` and its methods).
 *
 * @example
 * ```ts
 * isDurableQueue(createMemoryQueue()); // false
 * ```
 */
export function isDurableQueue(value: unknown): value is DurableQueue<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const q = value as Record<string, unknown>;
  return (
    q.durable === true &&
    ['enqueue', 'open', 'take', 'detach', 'close', 'stats'].every((m) => typeof q[m] === 'function')
  );
}
