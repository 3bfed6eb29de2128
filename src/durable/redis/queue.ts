/**
 * The Redis durable queue, on BullMQ: BullMQ's worker fetches jobs when this process has room,
 * holds their locks (extended while held) and moves stalled jobs back; a taker gets each job
 * as a lease whose end settles the processor's promise. Failed jobs past their attempts stay
 * in BullMQ's failed set: the dead letters.
 */
import { randomUUID } from 'node:crypto';
import { type ConnectionOptions, type Job, Queue, Worker } from 'bullmq';
import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type {
  DurableQueue,
  DurableQueueStats,
  EnqueueOptions,
  Lease,
} from '../../kinds/durable-queue.ts';
import { Ticker } from '../abortable.ts';
import { LeaseKeeper } from '../lease.ts';
import {
  checkEnqueue,
  type DurableQueueOptions,
  type ResolvedQueueOptions,
  setUpQueue,
} from '../queue-options.ts';
import {
  connectRedis,
  createRedisClient,
  type RedisConnection,
  redisConnectionError,
  redisOptions,
} from './connection.ts';
import { BullLease, type StoredJob } from './lease.ts';

/**
 * Options of {@link createRedisQueue}.
 *
 * @example
 * ```ts
 * const options: RedisQueueOptions = { name: 'emails', connection: { port: 6379 }, lease: 10_000 };
 * ```
 */
export interface RedisQueueOptions extends DurableQueueOptions {
  /** Where Redis is. @default { host: '127.0.0.1', port: 6379 } */
  connection?: RedisConnection;
  /** The prefix of every key. @default 'xsq' */
  prefix?: string;
  /** How long a completed job is kept (its key keeps deduplicating), in ms. @default 86400000 */
  keepCompleted?: number;
  /** How many times a job may be redelivered after its lease ran out before it fails. @default 10 */
  maxRedeliveries?: number;
}

/** A dead letter: a job whose attempts are spent, with its last error. */
export interface RedisDeadLetter<T> {
  /** The job's id, as `enqueue` returned it. */
  readonly id: string;
  /** The task as it was enqueued. */
  readonly task: T;
  /** The last attempt's error message (BullMQ's `failedReason`). */
  readonly error: string;
}

/**
 * The Redis {@link DurableQueue}; also lists its dead letters (BullMQ's failed set).
 *
 * @example
 * ```ts
 * const dead = await queue.deadLetters(10);
 * ```
 */
export interface RedisQueue<T> extends DurableQueue<T> {
  /** Up to `limit` dead letters, newest first. */
  deadLetters(limit?: number): Promise<RedisDeadLetter<T>[]>;
}

const OWN = ['connection', 'prefix', 'keepCompleted', 'maxRedeliveries'];
/** BullMQ takes 1 first and 2^21 - 1 last; ours are centred on it, greater first. */
const PRIORITY_CENTRE = 1_048_576;
const MAX_PRIORITY = PRIORITY_CENTRE - 1;

interface Taker<T> {
  resolve(lease: Lease<T>): void;
  reject(reason: unknown): void;
  signal: AbortSignal;
  onAbort(): void;
}

class RedisQueueImpl<T> implements RedisQueue<T> {
  readonly durable = true;
  readonly backend = 'redis';
  readonly name: string;
  private readonly o: ResolvedQueueOptions;
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly keepCompleted: number;
  private readonly maxRedeliveries: number;
  private readonly logger: Logger;
  private queue: Queue | undefined;
  private ready: Promise<Queue> | undefined;
  private worker: Worker | undefined;
  /** Opens not yet detached: BullMQ's worker closes when the last consumer detaches. */
  private consumers = 0;
  private readonly buffer: BullLease<T>[] = [];
  private readonly takers: Taker<T>[] = [];
  private snapshot: DurableQueueStats | undefined;
  private retried = 0;
  private readonly counter: Ticker;
  private readonly keeper: LeaseKeeper;

  constructor(options: RedisQueueOptions) {
    const { o, logger, connection, fail } = setUpQueue(options, OWN, 100, 'RedisConnection');
    this.o = o;
    this.name = o.name;
    this.logger = logger;
    this.connection = connection;
    this.prefix = options.prefix ?? 'xsq';
    if (typeof this.prefix !== 'string' || !/^[A-Za-z0-9_.-]{1,60}$/.test(this.prefix)) {
      fail('prefix', options.prefix, 'letters, digits, `_`, `.` or `-`');
    }
    this.keepCompleted = options.keepCompleted ?? 86_400_000;
    if (!Number.isInteger(this.keepCompleted) || this.keepCompleted < 0) {
      fail('keepCompleted', options.keepCompleted, 'an integer >= 0 (milliseconds)');
    }
    this.maxRedeliveries = options.maxRedeliveries ?? 10;
    if (!Number.isInteger(this.maxRedeliveries) || this.maxRedeliveries < 0) {
      fail('maxRedeliveries', options.maxRedeliveries, 'an integer >= 0');
    }
    this.counter = new Ticker(this.o.statsInterval, () => this.readStats());
    this.keeper = new LeaseKeeper({
      queue: this.name,
      lease: this.o.lease,
      logger: this.logger,
      extend: (leases) => this.extend(leases as BullLease<unknown>[]),
    });
  }

  /** Extends these jobs' locks; resolves with the ids whose lock is still ours. */
  private async extend(leases: BullLease<unknown>[]): Promise<Set<string>> {
    const worker = this.worker;
    if (!worker) throw new Error(`Queue "${this.name}" is not open: no lock to extend.`);
    const ids = leases.map((l) => l.id);
    const errored = new Set(
      await worker.extendJobLocks(
        ids,
        leases.map((l) => l.token),
        this.o.lease,
      ),
    );
    return new Set(ids.filter((id) => !errored.has(id)));
  }

  /** ioredis's options, which BullMQ's own option type spells more loosely. */
  private bullConnection(): ConnectionOptions {
    return redisOptions(this.connection) as ConnectionOptions;
  }

  /** Connects a client of its own and sends PING: a typed error if Redis does not answer. */
  private async probe(): Promise<void> {
    const probe = createRedisClient(this.connection);
    await connectRedis(this.connection, probe);
    probe.disconnect();
  }

  /** Checks Redis answers (a typed error within connectTimeout if not), then the producer. */
  private init(): Promise<Queue> {
    this.ready ??= (async () => {
      await this.probe();
      const queue = new Queue(this.name, {
        connection: this.bullConnection(),
        prefix: this.prefix,
      });
      queue.on('error', (e) => this.logger.warn({ err: toError(e) }, 'Redis queue error'));
      this.queue = queue;
      return queue;
    })();
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }

  async enqueue(task: T, options: EnqueueOptions = {}): Promise<string | null> {
    const priority = checkEnqueue(this.name, options, MAX_PRIORITY);
    const queue = await this.init();
    const nonce = randomUUID();
    const data: StoredJob<T> = { task, nonce };
    try {
      const job = await queue.add('job', data, {
        priority: PRIORITY_CENTRE - priority,
        attempts: this.o.attempts,
        backoff: { type: this.o.backoff, delay: this.o.delay },
        removeOnComplete: { age: Math.ceil(this.keepCompleted / 1_000) },
        removeOnFail: false,
        ...(options.delay ? { delay: Math.ceil(options.delay) } : {}),
        // ':' separates BullMQ's key parts: keep it out of a custom id.
        ...(options.key === undefined
          ? {}
          : { jobId: `key-${encodeURIComponent(options.key).replaceAll(':', '%3A')}` }),
      });
      if (options.key === undefined) return job.id ?? null;
      // BullMQ answers a duplicate id with the existing job: tell ours by its nonce.
      const stored = await queue.getJob(job.id!);
      return (stored?.data as StoredJob<T> | undefined)?.nonce === nonce ? job.id! : null;
    } catch (e) {
      throw redisConnectionError(this.connection, e);
    }
  }

  async open(consumer: { concurrency?: number } = {}): Promise<void> {
    await this.init();
    const concurrency = Math.max(1, consumer.concurrency ?? 1);
    this.consumers++;
    if (this.worker) {
      if (this.worker.concurrency < concurrency) this.worker.concurrency = concurrency;
      return;
    }
    // Every (re)start checks the server answers now, not when the queue was first used.
    try {
      await this.probe();
    } catch (e) {
      this.consumers--;
      throw e;
    }
    const worker = new Worker<StoredJob<T>>(this.name, (job, token) => this.deliver(job, token), {
      connection: this.bullConnection(),
      prefix: this.prefix,
      concurrency,
      lockDuration: this.o.lease,
      stalledInterval: this.o.lease,
      maxStalledCount: this.maxRedeliveries,
      drainDelay: 1,
    });
    worker.on('error', (e) => this.logger.warn({ err: toError(e) }, 'Redis worker error'));
    worker.on('failed', (job) => {
      if (job && job.attemptsMade < (job.opts.attempts ?? 1)) this.retried++;
    });
    worker.on('stalled', (id) =>
      this.logger.warn({ job: id }, 'a job ran out its lease (a worker died?); delivered again'),
    );
    this.worker = worker;
    this.counter.start();
    this.keeper.start();
    void this.readStats();
  }

  /** BullMQ's processor: the job waits for a taker; the lease settles the returned promise. */
  private deliver(job: Job<StoredJob<T>>, token: string | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const lease = new BullLease<T>(job, token ?? '', this.keeper, { resolve, reject });
      // BullMQ took the lock just before it ran this processor (processedOn, this clock).
      this.keeper.hold(lease as BullLease<unknown>, job.processedOn ?? Date.now());
      // Fetched as the worker was closing (BullMQ fetches the next job as it completes one).
      if (!this.worker) {
        void lease.release().catch(() => {});
        return;
      }
      const taker = this.takers.shift();
      if (taker) {
        taker.signal.removeEventListener('abort', taker.onAbort);
        taker.resolve(lease);
      } else this.buffer.push(lease);
    });
  }

  async take(signal: AbortSignal): Promise<Lease<T>> {
    if (signal.aborted) throw signal.reason;
    if (!this.worker)
      throw new Error(`Queue "${this.name}" is not open: call open() before take().`);
    let buffered = this.buffer.shift();
    // One lost while it waited is the server's again.
    while (buffered?.signal.aborted) buffered = this.buffer.shift();
    if (buffered) return buffered;
    return new Promise<Lease<T>>((resolve, reject) => {
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

  async detach(): Promise<void> {
    this.consumers = Math.max(0, this.consumers - 1);
    const worker = this.worker;
    if (!worker || this.consumers > 0) return;
    this.worker = undefined;
    this.counter.stop();
    this.keeper.stop();
    // Stop fetching first, then hand back what was fetched and not taken.
    const closing = worker.close();
    const left = this.buffer.splice(0);
    await Promise.all(left.map((l) => l.release().catch(() => {})));
    await closing;
  }

  async close(): Promise<void> {
    this.consumers = 0;
    await this.detach();
    await this.ready?.catch(() => undefined);
    await this.queue?.close();
    this.queue = undefined;
    this.ready = undefined;
  }

  stats(): DurableQueueStats | undefined {
    return this.snapshot;
  }

  async deadLetters(limit = 100): Promise<RedisDeadLetter<T>[]> {
    const queue = await this.init();
    const jobs = await queue.getFailed(0, limit - 1);
    return jobs.map((j) => ({
      id: j.id ?? '',
      task: (j.data as StoredJob<T>).task,
      error: j.failedReason,
    }));
  }

  private async readStats(): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    try {
      const c = await queue.getJobCounts('wait', 'prioritized', 'delayed', 'active', 'failed');
      this.snapshot = {
        queued: (c.wait ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0),
        inFlight: c.active ?? 0,
        retries: this.retried,
        deadLetters: c.failed ?? 0,
        at: Date.now(),
      };
    } catch {
      // Counts are best effort; BullMQ reports the connection.
    }
  }
}

/**
 * Creates a Redis {@link DurableQueue} on BullMQ: give it to `createQueueWorker({ queue })`.
 * Jobs survive the process; a taken job's lock (its lease, `lease` ms) is extended by BullMQ
 * while it is held, and a crashed worker's job is moved back after the lock runs out (at least
 * once: make handlers idempotent). Failures are retried per `retry`, then stay in BullMQ's
 * failed set, listed by `deadLetters()`. Nothing connects until the first `enqueue` or `open`.
 *
 * Gotchas: every job is a prioritized one (BullMQ takes priority 1 first; ours are mapped so
 * greater is first). `retries` in the stats counts the failed attempts this process sent to a
 * retry (BullMQ keeps retries among its delayed jobs).
 *
 * @example
 * ```ts
 * import { createQueueWorker } from 'xstate-supervisor';
 * import { createRedisQueue } from 'xstate-supervisor/redis';
 *
 * const thumbs = createRedisQueue<{ file: string }>({ name: 'thumbs', retry: { attempts: 3 } });
 * const worker = createQueueWorker({ id: 'thumbs', queue: thumbs, concurrency: 8, async handle(job) {
 *   await resize(job.file);
 * } });
 * await thumbs.enqueue({ file: 'a.png' }, { priority: 10 });
 * ```
 */
export function createRedisQueue<T>(options: RedisQueueOptions): RedisQueue<T> {
  return new RedisQueueImpl<T>(options);
}
