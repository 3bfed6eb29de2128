/**
 * The PostgreSQL durable queue, on pg-boss (see docs/decisions/0075): jobs are rows, taken with
 * `SELECT … FOR UPDATE SKIP LOCKED`, leased by `expire_in`, retried with backoff, copied to a
 * dead-letter queue when their attempts are spent; NOTIFY wakes idle takers at once.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import PgBoss from 'pg-boss';
import { toError, XstateSupervisorError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type {
  DurableQueue,
  DurableQueueStats,
  EnqueueOptions,
  Lease,
} from '../../kinds/durable-queue.ts';
import { Doorbell, Ticker, untilAborted } from '../abortable.ts';
import { LeaseKeeper } from '../lease.ts';
import {
  checkEnqueue,
  type DurableQueueOptions,
  type ResolvedQueueOptions,
  setUpQueue,
} from '../queue-options.ts';
import {
  openPostgresPool,
  type PostgresConnection,
  postgresConnectionError,
  postgresEndpoint,
  probePostgres,
} from './connection.ts';
import { extendSql, PgLease, type PgLeaseHost, releaseSql, statsSql } from './lease.ts';

/**
 * A client to enqueue with inside your own transaction: a `pg` `Client` or `PoolClient` (or
 * anything with the same `query`).
 *
 * @example
 * ```ts
 * const client: PostgresClient = await pool.connect();
 * ```
 */
export interface PostgresClient {
  /** Runs one statement with `$1`-style parameters, as `pg` does; resolves with its rows. */
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Options of a PostgreSQL queue's `enqueue`: the common ones, plus `client` to enqueue in your
 * own transaction (the job exists, and takers are woken, only if it commits).
 *
 * @example
 * ```ts
 * await client.query('BEGIN');
 * await client.query('INSERT INTO orders (id) VALUES ($1)', [42]);
 * await emails.enqueue({ order: 42 }, { client, key: 'order-42' });
 * await client.query('COMMIT');
 * ```
 */
export interface PostgresEnqueueOptions extends EnqueueOptions {
  /** Enqueue through this client (in its transaction). @default the queue's own pool */
  client?: PostgresClient;
}

/**
 * Options of {@link createPostgresQueue}.
 *
 * @example
 * ```ts
 * const options: PostgresQueueOptions = {
 *   name: 'emails',
 *   connection: { host: '127.0.0.1', port: 5432, database: 'app' },
 *   retry: { attempts: 3, delay: 2_000 },
 * };
 * ```
 */
export interface PostgresQueueOptions extends DurableQueueOptions {
  /** Where the database is, or a pool of yours. @default { host: '127.0.0.1', port: 5432 } */
  connection?: PostgresConnection;
  /** The schema of the job tables (created on first use). @default 'xstate_supervisor' */
  schema?: string;
  /** The dead-letter queue's name. @default `${name}__dead` */
  deadLetter?: string;
  /** Longest wait between two polls of an empty queue (NOTIFY wakes takers sooner). @default 1000 */
  pollInterval?: number;
  /** Jobs fetched per round trip (the extra ones wait, leased, for the next `take`). @default 1 */
  batchSize?: number;
}

/** A dead letter: a job whose attempts are spent, with its last error. */
export interface DeadLetter<T> {
  /** The job's id in the dead-letter queue (pg-boss gives the copy its own id). */
  readonly id: string;
  /** The task as it was enqueued. */
  readonly task: T;
  /** The last attempt's error as the server keeps it: an object with its `message` and `stack`. */
  readonly error: unknown;
}

/**
 * The PostgreSQL {@link DurableQueue}; also lists its dead letters.
 *
 * @example
 * ```ts
 * const dead = await queue.deadLetters(10);
 * ```
 */
export interface PostgresQueue<T> extends DurableQueue<T> {
  enqueue(task: T, options?: PostgresEnqueueOptions): Promise<string | null>;
  /** The dead-letter queue's name. */
  readonly deadLetterQueue: string;
  /** Up to `limit` dead letters not yet consumed, oldest first. */
  deadLetters(limit?: number): Promise<DeadLetter<T>[]>;
}

const OWN = ['connection', 'schema', 'deadLetter', 'pollInterval', 'batchSize'];
const MAX_PRIORITY = 1_000_000_000;

/** A job key as a uuid (pg-boss's id), so the row's primary key deduplicates it. */
function keyId(name: string, key: string): string {
  const h = createHash('sha1').update(`${name}\u0000${key}`).digest('hex');
  const variant = ((Number.parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

type Executor = { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };

class PostgresQueueImpl<T> implements PostgresQueue<T>, PgLeaseHost {
  readonly durable = true;
  readonly backend = 'postgres';
  readonly name: string;
  readonly deadLetterQueue: string;
  private readonly o: ResolvedQueueOptions;
  private readonly connection: PostgresConnection;
  private readonly schema: string;
  private readonly pollInterval: number;
  private readonly batchSize: number;
  private readonly logger: Logger;
  private readonly channel: string;
  private pool: pg.Pool | undefined;
  private ownsPool = false;
  private boss: PgBoss | undefined;
  private ready: Promise<PgBoss> | undefined;
  private consuming = false;
  /** Opens not yet detached: consuming stops when the last consumer detaches. */
  private consumers = 0;
  private readonly buffer: PgLease<T>[] = [];
  private readonly doorbell = new Doorbell();
  private listener: pg.PoolClient | undefined;
  private relisten: NodeJS.Timeout | undefined;
  private snapshot: DurableQueueStats | undefined;
  private completions: { ids: string[]; done: Promise<void> } | undefined;
  private readonly keeper: LeaseKeeper;
  private readonly sweeper: Ticker;
  private readonly counter: Ticker;

  constructor(options: PostgresQueueOptions) {
    const { o, logger, connection, fail } = setUpQueue(options, OWN, 1_000, 'PostgresConnection');
    this.o = o;
    this.name = o.name;
    this.logger = logger;
    this.connection = connection;
    this.schema = options.schema ?? 'xstate_supervisor';
    if (!/^[a-z_][a-z0-9_]{0,49}$/.test(this.schema)) {
      fail('schema', options.schema, 'a lowercase SQL name of at most 50 characters');
    }
    this.deadLetterQueue = options.deadLetter ?? `${this.name}__dead`;
    if (!/^[A-Za-z0-9_-]{1,50}$/.test(this.deadLetterQueue)) {
      fail('deadLetter', options.deadLetter, 'letters, digits, `_` or `-`');
    }
    const pollInterval = options.pollInterval ?? 1_000;
    if (!Number.isInteger(pollInterval) || pollInterval < 10) {
      fail('pollInterval', pollInterval, 'an integer >= 10 (milliseconds)');
    }
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      fail('batchSize', batchSize, 'an integer >= 1');
    }
    this.pollInterval = pollInterval;
    this.batchSize = batchSize;
    const digest = createHash('sha1').update(`${this.schema}.${this.name}`).digest('hex');
    this.channel = `xsq_${digest.slice(0, 24)}`;
    this.setupKey = `xstate-supervisor:queue-setup:${this.schema}`;
    this.keeper = new LeaseKeeper({
      queue: this.name,
      lease: this.o.lease,
      logger: this.logger,
      extend: (leases) => this.extend(leases.map((l) => l.id)),
    });
    this.sweeper = new Ticker(Math.max(500, Math.floor(this.o.lease / 2)), () => this.sweep());
    this.counter = new Ticker(this.o.statsInterval, () => this.readStats());
  }

  /** While the queue is being set up, pg-boss talks through this one session (see `init`). */
  private setupClient: pg.PoolClient | undefined;
  private readonly setupKey: string;

  private get db(): Executor {
    return {
      executeSql: (text, values) =>
        (this.setupClient ?? this.pool!).query(text, values as unknown[]),
    };
  }

  /** Connects, installs pg-boss's schema and the two queues; retried after a failure. */
  private init(): Promise<PgBoss> {
    this.ready ??= (async () => {
      if (!this.pool) {
        const opened = openPostgresPool(this.connection, (e) =>
          this.logger.warn({ err: toError(e) }, 'a PostgreSQL connection dropped; reconnecting'),
        );
        this.pool = opened.pool;
        this.ownsPool = opened.owned;
      }
      await probePostgres(this.connection, this.pool);
      const boss = new PgBoss({
        db: this.db,
        schema: this.schema,
        supervise: false,
        schedule: false,
        migrate: true,
      });
      boss.on('error', (e) => this.logger.warn({ err: toError(e) }, 'pg-boss reported an error'));
      // Replicas that start together would each create the same queues, and pg-boss's queue
      // creation deadlocks against itself (PostgreSQL aborts all but one). One advisory lock
      // per schema, held on the session pg-boss sets up through, puts them one after another.
      let setup: pg.PoolClient | undefined;
      try {
        setup = await this.pool.connect();
        await this.lockSetup(setup);
        this.setupClient = setup;
        await boss.start();
        const retry = {
          retryLimit: this.o.attempts - 1,
          retryDelay: Math.ceil(this.o.delay / 1_000),
          retryBackoff: this.o.backoff === 'exponential',
          expireInSeconds: this.o.lease / 1_000,
        };
        await boss.createQueue(this.deadLetterQueue, { name: this.deadLetterQueue, ...retry });
        await boss.createQueue(this.name, {
          name: this.name,
          ...retry,
          deadLetter: this.deadLetterQueue,
        });
      } catch (e) {
        throw e instanceof XstateSupervisorError ? e : postgresConnectionError(this.connection, e);
      } finally {
        this.setupClient = undefined;
        if (setup) await releaseSetup(setup, this.setupKey);
      }
      this.boss = boss;
      return boss;
    })();
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }

  /**
   * Takes the schema's set-up lock, waiting at most {@link SETUP_LOCK_WAIT} for a replica that
   * holds it: one stuck there (paused, its host gone while TCP has not noticed yet) must not
   * hang every other replica's start.
   */
  private async lockSetup(setup: pg.PoolClient): Promise<void> {
    await setup.query(`set lock_timeout = ${SETUP_LOCK_WAIT}`);
    try {
      await setup.query('select pg_advisory_lock(hashtextextended($1, 0))', [this.setupKey]);
    } catch (e) {
      if ((e as { code?: unknown }).code !== '55P03') throw e;
      const { host, port } = postgresEndpoint(this.connection);
      throw new XstateSupervisorError(
        'DURABLE_SETUP_LOCKED',
        `Queue "${this.name}" waited ${SETUP_LOCK_WAIT} ms for another replica to finish setting ` +
          `up schema "${this.schema}" on PostgreSQL at ${host}:${port}; that replica holds the ` +
          'set-up lock and seems stuck (see pg_locks). The start fails and is tried again.',
        { cause: e },
      );
    } finally {
      await setup.query('set lock_timeout = 0');
    }
  }

  async enqueue(task: T, options: PostgresEnqueueOptions = {}): Promise<string | null> {
    const priority = checkEnqueue(this.name, options, MAX_PRIORITY);
    const boss = await this.init();
    const client = options.client;
    const db: Executor = client
      ? { executeSql: (text, values) => client.query(text, values) }
      : this.db;
    const sendOptions: PgBoss.SendOptions = { priority, db };
    if (options.key !== undefined) sendOptions.id = keyId(this.name, options.key);
    if (options.delay) sendOptions.startAfter = `${Math.ceil(options.delay)} milliseconds`;
    let id: string | null;
    try {
      id = await boss.send(this.name, { task }, sendOptions);
      // In the caller's transaction too: takers elsewhere wake when (and if) it commits.
      if (id !== null) await db.executeSql('SELECT pg_notify($1, $2)', [this.channel, '']);
    } catch (e) {
      throw postgresConnectionError(this.connection, e);
    }
    if (id !== null && !client) this.doorbell.ring();
    return id;
  }

  async open(_consumer?: { concurrency?: number }): Promise<void> {
    await this.init();
    // Every (re)start checks the server answers now, not when the queue was first used.
    await probePostgres(this.connection, this.pool!);
    this.consumers++;
    if (this.consuming) return;
    this.consuming = true;
    void this.listen();
    this.keeper.start();
    this.sweeper.start();
    this.counter.start();
    void this.readStats();
  }

  async take(signal: AbortSignal): Promise<Lease<T>> {
    // The set-up may wait for another replica's: a stop must not wait for it too.
    const boss = await untilAborted(this.init(), signal);
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const buffered = this.takeBuffered();
      if (buffered) return buffered;
      // The server starts the leases after this moment: their deadlines here are no later.
      const since = Date.now();
      const rows = await boss.fetch<{ task: T }>(this.name, {
        batchSize: this.batchSize,
        includeMetadata: true,
      });
      const leases = rows.map((job) => {
        const lease = new PgLease<T>(this, this.keeper, job.id, job.data.task, job.retryCount + 1);
        this.keeper.hold(lease, since);
        return lease;
      });
      if (signal.aborted) {
        await Promise.all(leases.map((l) => l.release().catch(() => {})));
        throw signal.reason;
      }
      const first = leases.shift();
      if (first) {
        this.buffer.push(...leases);
        return first;
      }
      await this.doorbell.wait(this.pollInterval, signal);
    }
  }

  /** The next prefetched lease still held (one lost while it waited is the server's again). */
  private takeBuffered(): PgLease<T> | undefined {
    let lease = this.buffer.shift();
    while (lease?.signal.aborted) lease = this.buffer.shift();
    return lease;
  }

  async detach(): Promise<void> {
    this.consumers = Math.max(0, this.consumers - 1);
    if (this.consumers > 0 || !this.consuming) return;
    this.consuming = false;
    this.keeper.stop();
    this.sweeper.stop();
    this.counter.stop();
    clearTimeout(this.relisten);
    const listener = this.listener;
    this.listener = undefined;
    if (listener) {
      await listener.query(`UNLISTEN "${this.channel}"`).catch(() => {});
      listener.release();
    }
    const left = this.buffer.splice(0);
    await Promise.all(left.map((l) => l.release().catch(() => {})));
  }

  async close(): Promise<void> {
    this.consumers = 0;
    this.consuming = true;
    await this.detach();
    await this.completions?.done.catch(() => {});
    await this.ready?.catch(() => undefined);
    await this.boss?.stop({ graceful: false, close: false, wait: true }).catch(() => {});
    this.boss = undefined;
    this.ready = undefined;
    if (this.ownsPool) await this.pool?.end();
    this.pool = undefined;
  }

  stats(): DurableQueueStats | undefined {
    return this.snapshot;
  }

  async deadLetters(limit = 100): Promise<DeadLetter<T>[]> {
    await this.init();
    const { rows } = await this.pool!.query<{ id: string; data: { task: T }; output: unknown }>(
      `SELECT id, data, output FROM ${this.schema}.job WHERE name = $1 AND state < 'active'
        ORDER BY created_on, id LIMIT $2`,
      [this.deadLetterQueue, limit],
    );
    return rows.map((r) => ({ id: r.id, task: r.data.task, error: r.output }));
  }

  // PgLeaseHost

  /** Completions of one turn of the event loop go in one statement. */
  complete(id: string): Promise<void> {
    if (!this.completions) {
      const batch: { ids: string[]; done: Promise<void> } = { ids: [], done: Promise.resolve() };
      batch.done = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.completions = undefined;
        try {
          await this.boss!.complete(this.name, batch.ids);
        } catch (e) {
          throw postgresConnectionError(this.connection, e);
        }
      });
      this.completions = batch;
    }
    this.completions.ids.push(id);
    return this.completions.done;
  }

  async fail(id: string, error: Error): Promise<void> {
    try {
      await this.boss!.fail(this.name, id, { message: error.message, stack: error.stack ?? null });
    } catch (e) {
      throw postgresConnectionError(this.connection, e);
    }
  }

  async release(id: string): Promise<void> {
    await this.pool!.query(releaseSql(this.schema), [this.name, id]);
    this.doorbell.ring();
  }

  /** Extends these leases; resolves with the ids still leased (to anyone: ours by id). */
  private async extend(ids: string[]): Promise<Set<string>> {
    const { rows } = await this.pool!.query<{ id: string }>(extendSql(this.schema), [
      this.name,
      ids,
    ]);
    return new Set(rows.map((r) => r.id));
  }

  /** Hands the jobs of crashed workers (lease run out) back to the queue, as a failed attempt. */
  private async sweep(): Promise<void> {
    try {
      await this.boss?.expire();
    } catch (e) {
      this.logger.warn({ err: toError(e) }, 'could not expire the leases that ran out');
    }
  }

  private async readStats(): Promise<void> {
    if (!this.pool) return;
    try {
      const { rows } = await this.pool.query<{ name: string; state: string; n: number }>(
        statsSql(this.schema),
        [[this.name, this.deadLetterQueue]],
      );
      let queued = 0;
      let inFlight = 0;
      let retries = 0;
      let deadLetters = 0;
      for (const r of rows) {
        if (r.name === this.deadLetterQueue) deadLetters += r.n;
        else if (r.state === 'active') inFlight += r.n;
        else {
          queued += r.n;
          if (r.state === 'retry') retries += r.n;
        }
      }
      this.snapshot = { queued, inFlight, retries, deadLetters, at: Date.now() };
    } catch {
      // Counts are best effort; the heartbeat reports the connection.
    }
  }

  /** LISTENs on a connection of its own; comes back after the connection drops. */
  private async listen(): Promise<void> {
    if (!this.consuming || !this.pool) return;
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      const c = client;
      c.on('notification', () => this.doorbell.ring());
      c.on('error', () => {
        if (this.listener !== c) return;
        this.listener = undefined;
        c.release(true);
        this.relisten = setTimeout(() => void this.listen(), 500);
        this.relisten.unref();
      });
      await c.query(`LISTEN "${this.channel}"`);
      if (!this.consuming) {
        c.release();
        return;
      }
      this.listener = c;
    } catch {
      client?.release(true);
      if (!this.consuming) return;
      this.relisten = setTimeout(() => void this.listen(), 1_000);
      this.relisten.unref();
    }
  }
}

/**
 * Creates a PostgreSQL {@link DurableQueue} on pg-boss: give it to `createQueueWorker({ queue
 * })`. Jobs survive the process; a taken job is leased for `lease` ms, extended every third of
 * it while the handler runs; a crashed worker's job runs out its lease and is delivered again
 * (at least once: make handlers idempotent). A failure is retried per `retry`, then copied to
 * the dead-letter queue. `enqueue(task, { client })` enqueues in your own transaction. Nothing
 * connects until the first `enqueue` or `open`.
 *
 * Gotchas: a crash (lease run out) counts as an attempt, like a failure. Job keys deduplicate
 * while the job's row is kept (pg-boss's retention).
 *
 * @example
 * ```ts
 * import { createQueueWorker } from 'xstate-supervisor';
 * import { createPostgresQueue } from 'xstate-supervisor/postgres';
 *
 * const emails = createPostgresQueue<{ to: string }>({
 *   name: 'emails',
 *   connection: { host: '127.0.0.1', port: 5432, database: 'app' },
 *   retry: { attempts: 3, delay: 2_000 },
 * });
 * const mailer = createQueueWorker({ id: 'mailer', queue: emails, concurrency: 4, async handle(job) {
 *   await sendMail(job.to);
 * } });
 * await emails.enqueue({ to: 'a@example.com' }, { key: 'welcome-a' });
 * ```
 */
export function createPostgresQueue<T>(options: PostgresQueueOptions): PostgresQueue<T> {
  return new PostgresQueueImpl<T>(options);
}

/** How long a queue's set-up waits for another replica's set-up of the same schema, in ms. */
const SETUP_LOCK_WAIT = 30_000;

/**
 * Gives the set-up session back with its advisory lock released; a session that cannot
 * release it (its connection dropped, which released the lock on the server) is discarded.
 */
async function releaseSetup(client: pg.PoolClient, key: string): Promise<void> {
  try {
    await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [key]);
    client.release();
  } catch (e) {
    client.release(toError(e));
  }
}
