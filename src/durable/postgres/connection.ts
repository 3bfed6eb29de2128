/**
 * How the PostgreSQL backends (queue, locks) connect: the options users give, the pool made of
 * them, and the mapping of the driver's connection errors to {@link DurableConnectionError}.
 * Loads `pg`, an optional peer dependency: only the `xstate-supervisor/postgres` entry imports it.
 */
import { userInfo } from 'node:os';
import pg from 'pg';
import { DurableConnectionError } from '../connection-error.ts';

/**
 * Where and how to connect to PostgreSQL. Either `connectionString`, or the parts (each
 * defaulting like `psql`'s); or an existing `pool`, which the backend then never ends.
 *
 * @example
 * ```ts
 * const connection: PostgresConnection = { host: '127.0.0.1', port: 5432, database: 'app' };
 * ```
 */
export interface PostgresConnection {
  /** `postgres://user:pass@host:port/db`; wins over the parts. */
  connectionString?: string;
  /** The server's host name or address. @default '127.0.0.1' */
  host?: string;
  /** The server's TCP port. @default 5432 */
  port?: number;
  /** The database to connect to. @default 'postgres' */
  database?: string;
  /** The role to log in as. @default the OS user (as libpq) */
  user?: string;
  /**
   * The role's password; leave it out for trust or peer authentication, or to let the driver
   * read `PGPASSWORD`. @default none
   */
  password?: string;
  /** The most connections in the pool the backend makes. @default 10 */
  max?: number;
  /** How long to wait for a connection before it is unreachable. @default 5000 */
  connectTimeout?: number;
  /** How the connections are named in `pg_stat_activity`. @default 'xstate-supervisor' */
  applicationName?: string;
  /** A pool you own (reused, never ended by the backend). */
  pool?: pg.Pool;
}

/** The user libpq (and `pg`) log in as when none is given. */
function defaultUser(): string {
  if (process.env.PGUSER) return process.env.PGUSER;
  try {
    return userInfo().username;
  } catch {
    return 'postgres';
  }
}

/** The host, port and user a connection aims at, for error messages (never the password). @internal */
export function postgresEndpoint(c: PostgresConnection): {
  host: string;
  port: number;
  user: string;
} {
  if (c.pool) {
    const o = (c.pool as unknown as { options: { host?: string; port?: number; user?: string } })
      .options;
    return { host: o.host ?? '127.0.0.1', port: o.port ?? 5432, user: o.user ?? defaultUser() };
  }
  if (c.connectionString) {
    const url = new URL(c.connectionString);
    return {
      host: url.hostname || '127.0.0.1',
      port: Number(url.port || 5432),
      user: url.username ? decodeURIComponent(url.username) : defaultUser(),
    };
  }
  return { host: c.host ?? '127.0.0.1', port: c.port ?? 5432, user: c.user ?? defaultUser() };
}

/** The pg pool options of a connection (not for `pool`). @internal */
export function postgresPoolConfig(c: PostgresConnection): pg.PoolConfig {
  const base: pg.PoolConfig = {
    max: c.max ?? 10,
    connectionTimeoutMillis: c.connectTimeout ?? 5_000,
    application_name: c.applicationName ?? 'xstate-supervisor',
  };
  if (c.connectionString) return { ...base, connectionString: c.connectionString };
  const { host, port } = postgresEndpoint(c);
  return {
    ...base,
    host,
    port,
    database: c.database ?? 'postgres',
    ...(c.user === undefined ? {} : { user: c.user }),
    ...(c.password === undefined ? {} : { password: c.password }),
  };
}

/** SQLSTATEs of a refused login or an unknown database. */
const AUTH_CODES = new Set(['28000', '28P01', '3D000']);

/**
 * A driver error as a {@link DurableConnectionError} when it is a connection problem
 * (refused, timed out, reset, auth), else the error itself. @internal
 */
export function postgresConnectionError(c: PostgresConnection, e: unknown): unknown {
  if (e instanceof DurableConnectionError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : '';
  if (typeof code === 'string' && AUTH_CODES.has(code)) {
    return new DurableConnectionError('postgres', postgresEndpoint(c), e, 'DURABLE_AUTH_FAILED');
  }
  const network =
    (typeof code === 'string' &&
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(
        code,
      )) ||
    /timeout|terminat|Connection ended|connect/i.test(message);
  return network ? new DurableConnectionError('postgres', postgresEndpoint(c), e) : e;
}

/**
 * A pool of the connection (or the user's pool), whose idle-client errors (the server closed a
 * connection: a restart, `pg_terminate_backend`) are passed to `onError` instead of crashing
 * the process; the pool replaces such clients by itself. @internal
 */
export function openPostgresPool(
  c: PostgresConnection,
  onError: (e: unknown) => void,
): { pool: pg.Pool; owned: boolean } {
  const pool = c.pool ?? new pg.Pool(postgresPoolConfig(c));
  pool.on('error', onError);
  return { pool, owned: c.pool === undefined };
}

/** One round trip, mapped to a {@link DurableConnectionError} when it cannot connect. @internal */
export async function probePostgres(c: PostgresConnection, pool: pg.Pool): Promise<void> {
  try {
    await pool.query('select 1');
  } catch (e) {
    throw postgresConnectionError(c, e);
  }
}
