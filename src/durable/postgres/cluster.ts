/**
 * The cluster backends on PostgreSQL: the singleton lock (session advisory locks, plus a
 * fencing counter row per name), the cron tick claims (a primary key on job and tick) and the
 * replica registry (a row per replica with an expiry).
 */
import pg from 'pg';
import type { ReplicaRecord, ReplicaRegistry } from '../cluster.ts';
import type { TickClaims } from '../cron-cluster.ts';
import {
  createLease,
  type LockLease,
  LockLostError,
  lossSignal,
  type SingletonLock,
} from '../lock.ts';
import {
  openPostgresPool,
  type PostgresConnection,
  postgresConnectionError,
  postgresPoolConfig,
  probePostgres,
} from './connection.ts';

/**
 * Options of the PostgreSQL cluster backends ({@link postgresLock}, {@link postgresTickClaims},
 * {@link postgresRegistry}).
 *
 * @example
 * ```ts
 * const options: PostgresClusterOptions = { connection: { database: 'app' }, prefix: 'myapp' };
 * ```
 */
export interface PostgresClusterOptions {
  /** Where PostgreSQL is. @default `{}` (127.0.0.1:5432, database `postgres`) */
  connection?: PostgresConnection;
  /** Prefix of the tables created (`<prefix>_singleton_fence`, ...). @default 'xss' */
  prefix?: string;
  /**
   * Lock: how often the holder checks its session is alive (`select 1`), in ms. A dropped
   * connection is noticed at once by the driver; this catches a silent one. @default 1000
   */
  checkInterval?: number;
}

function tableName(prefix: string | undefined, what: string): string {
  const p = prefix ?? 'xss';
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(p)) {
    throw new TypeError(`prefix must match [a-z_][a-z0-9_]{0,40}; got ${JSON.stringify(p)}`);
  }
  return `${p}_${what}`;
}

/**
 * Runs a `create table if not exists`, ignoring the error two replicas creating the same table
 * at the same instant get (a unique violation on the catalog).
 */
async function createTable(run: (sql: string) => Promise<unknown>, ddl: string): Promise<void> {
  try {
    await run(ddl);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P07') throw e;
  }
}

/** A pool opened on first use, with `ddl` run once; connection errors typed. */
function lazyPool(connection: PostgresConnection, ddl: string) {
  let opened: { pool: pg.Pool; owned: boolean } | undefined;
  let ready: Promise<pg.Pool> | undefined;
  const pool = (): Promise<pg.Pool> => {
    ready ??= (async () => {
      opened = openPostgresPool({ max: 2, ...connection }, () => undefined);
      await probePostgres(connection, opened.pool);
      const p = opened.pool;
      await createTable((sql) => p.query(sql), ddl);
      return opened.pool;
    })().catch((e) => {
      ready = undefined;
      throw postgresConnectionError(connection, e);
    });
    return ready;
  };
  return {
    async run<T>(fn: (p: pg.Pool) => Promise<T>): Promise<T> {
      const p = await pool();
      try {
        return await fn(p);
      } catch (e) {
        throw postgresConnectionError(connection, e);
      }
    },
    async close(): Promise<void> {
      const o = opened;
      opened = undefined;
      ready = undefined;
      if (o?.owned) await o.pool.end().catch(() => undefined);
    },
  };
}

/**
 * A singleton lock on PostgreSQL session advisory locks (`pg_try_advisory_lock`), one
 * connection per held name. The server releases the lock when the session ends, so a holder
 * killed by SIGKILL frees it as soon as its socket closes; a standby takes it within its
 * `retryInterval`. Each acquisition bumps a fencing token in `<prefix>_singleton_fence`.
 *
 * @example
 * ```ts
 * const lock = postgresLock({ connection: { host: '127.0.0.1', database: 'app' } });
 * const leader = singleton(createService({ id: 'leader', iterate() {} }), { lock, name: 'leader' });
 * ```
 */
export function postgresLock(options: PostgresClusterOptions = {}): SingletonLock {
  const connection = options.connection ?? {};
  const fence = tableName(options.prefix, 'singleton_fence');
  const checkInterval = options.checkInterval ?? 1_000;
  const held = new Map<string, LockLease>();
  const standby = new Map<string, pg.Client>();
  let ready: Promise<void> | undefined;

  const connect = async (): Promise<pg.Client> => {
    // The lock needs sessions of its own (never a shared pool's): one client per held name.
    const client = new pg.Client(postgresPoolConfig(connection) as pg.ClientConfig);
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      throw postgresConnectionError(connection, e);
    }
    return client;
  };

  const tryAcquire = async (name: string): Promise<LockLease | null> => {
    if (held.has(name)) return null;
    let client = standby.get(name);
    standby.delete(name);
    if (!client) client = await connect();
    try {
      const c0 = client;
      ready ??= createTable(
        (sql) => c0.query(sql),
        `create table if not exists ${fence} (name text primary key, token bigint not null)`,
      );
      await ready;
      const r = await client.query<{ ok: boolean }>(
        'select pg_try_advisory_lock(hashtextextended($1, 0)) as ok',
        [`${fence}:${name}`],
      );
      if (!r.rows[0]?.ok) {
        standby.set(name, client);
        return null;
      }
      const t = await client.query<{ token: string }>(
        `insert into ${fence} (name, token) values ($1, 1)
         on conflict (name) do update set token = ${fence}.token + 1 returning token`,
        [name],
      );
      const token = Number(t.rows[0]!.token);
      const loss = lossSignal();
      const c = client;
      const onGone = (e?: unknown) =>
        loss.lose(
          new LockLostError(
            name,
            'its PostgreSQL session ended',
            postgresConnectionError(connection, e),
          ),
        );
      c.on('error', onGone);
      c.on('end', () => onGone());
      const timer = setInterval(() => {
        c.query('select 1').catch(onGone);
      }, checkInterval);
      timer.unref();
      return createLease({
        name,
        token,
        loss,
        held,
        probe: async () => {
          const q = await c.query<{ token: string }>(`select token from ${fence} where name = $1`, [
            name,
          ]);
          return Number(q.rows[0]?.token) === token;
        },
        giveBack: () => {
          clearInterval(timer);
          // Ending the session releases the advisory lock on the server.
          return c.end();
        },
      });
    } catch (e) {
      await client.end().catch(() => undefined);
      ready = undefined;
      throw postgresConnectionError(connection, e);
    }
  };

  return {
    backend: 'postgres',
    takeoverBound: 0,
    tryAcquire,
    held: (name) => held.get(name),
    async close() {
      await Promise.all([...held.values()].map((l) => l.release()));
      await Promise.all([...standby.values()].map((c) => c.end().catch(() => undefined)));
      standby.clear();
    },
  };
}

/**
 * Cron tick claims on PostgreSQL: `insert ... on conflict do nothing` into
 * `<prefix>_cron_ticks (job, tick)`, so each tick is claimed by one replica only.
 *
 * @example
 * ```ts
 * const claims = postgresTickClaims({ connection: { database: 'app' } });
 * createClusterCronService({ id: 'report', cron: '0 * * * *', claims, run() {} });
 * ```
 */
export function postgresTickClaims(options: PostgresClusterOptions = {}): TickClaims {
  const table = tableName(options.prefix, 'cron_ticks');
  const { run, close } = lazyPool(
    options.connection ?? {},
    `create table if not exists ${table} (job text not null, tick timestamptz not null,
      replica text not null, claimed_at timestamptz not null default now(), primary key (job, tick))`,
  );
  return {
    backend: 'postgres',
    claim: (job, tick, replica) =>
      run(async (p) => {
        const r = await p.query(
          `insert into ${table} (job, tick, replica) values ($1, to_timestamp($2 / 1000.0), $3)
           on conflict do nothing`,
          [job, tick, replica],
        );
        return r.rowCount === 1;
      }),
    last: (job) =>
      run(async (p) => {
        const r = await p.query<{ t: string | null }>(
          `select (extract(epoch from max(tick)) * 1000)::bigint::text as t from ${table} where job = $1`,
          [job],
        );
        const t = r.rows[0]?.t;
        return t == null ? undefined : Number(t);
      }),
    close,
  };
}

/**
 * The replica registry on PostgreSQL: a row per replica in `<prefix>_replicas`, with an expiry
 * the heartbeat pushes forward; expired rows are not listed.
 *
 * @example
 * ```ts
 * const registry = postgresRegistry({ connection: { database: 'app' } });
 * const member = await joinCluster(actor, { registry });
 * ```
 */
export function postgresRegistry(options: PostgresClusterOptions = {}): ReplicaRegistry {
  const table = tableName(options.prefix, 'replicas');
  const { run, close } = lazyPool(
    options.connection ?? {},
    `create table if not exists ${table} (id text primary key, record jsonb not null,
      expires_at timestamptz not null)`,
  );
  return {
    backend: 'postgres',
    put: (record, ttl) =>
      run(async (p) => {
        await p.query(
          `insert into ${table} (id, record, expires_at) values ($1, $2, now() + $3 * interval '1 millisecond')
         on conflict (id) do update set record = excluded.record, expires_at = excluded.expires_at`,
          [record.id, JSON.stringify(record), ttl],
        );
      }),
    list: () =>
      run(async (p) => {
        const r = await p.query<{ record: ReplicaRecord }>(
          `select record from ${table} where expires_at > now() order by id`,
        );
        return r.rows.map((row) => row.record);
      }),
    remove: (id) =>
      run(async (p) => {
        await p.query(`delete from ${table} where id = $1`, [id]);
      }),
    close,
  };
}
