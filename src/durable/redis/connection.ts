/**
 * How the Redis backends (queue, locks) connect: the options users give, the ioredis client
 * made of them, and the mapping of its connection errors to {@link DurableConnectionError}.
 * Loads `ioredis`, an optional peer dependency: only the `xstate-supervisor/redis` entry does.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { DurableConnectionError } from '../connection-error.ts';

/**
 * Where and how to connect to Redis: a `url` (`redis://user:pass@host:port/db`) or the parts.
 *
 * @example
 * ```ts
 * const connection: RedisConnection = { host: '127.0.0.1', port: 6379 };
 * ```
 */
export interface RedisConnection {
  /** `redis://[user:pass@]host:port[/db]`; wins over the parts. */
  url?: string;
  /** The server's host name or address. @default '127.0.0.1' */
  host?: string;
  /** The server's TCP port. @default 6379 */
  port?: number;
  /** The ACL user to log in as (Redis 6+); leave it out for the `default` user. @default none */
  username?: string;
  /** The password for `AUTH`; leave it out when the server asks for none. @default none */
  password?: string;
  /** The logical database number to `SELECT`. @default 0 */
  db?: number;
  /** How long to wait for the first connection before it is unreachable. @default 5000 */
  connectTimeout?: number;
  /** The connections' name in `CLIENT LIST`. @default 'xstate-supervisor' */
  name?: string;
}

/** The host, port and ACL user a connection aims at, for error messages (never the password). @internal */
export function redisEndpoint(c: RedisConnection): { host: string; port: number; user: string } {
  if (c.url) {
    const url = new URL(c.url);
    return {
      host: url.hostname || '127.0.0.1',
      port: Number(url.port || 6379),
      user: url.username ? decodeURIComponent(url.username) : (c.username ?? 'default'),
    };
  }
  return { host: c.host ?? '127.0.0.1', port: c.port ?? 6379, user: c.username ?? 'default' };
}

/**
 * The ioredis options of a connection. `maxRetriesPerRequest: null` and a capped reconnect
 * backoff, as BullMQ requires of its connections: a dropped connection is retried for ever
 * (every second at most), commands wait for it instead of failing. @internal
 */
export function redisOptions(c: RedisConnection): RedisOptions {
  const { host, port } = redisEndpoint(c);
  const fromUrl: RedisOptions = {};
  if (c.url) {
    const url = new URL(c.url);
    if (url.username) fromUrl.username = decodeURIComponent(url.username);
    if (url.password) fromUrl.password = decodeURIComponent(url.password);
    const db = url.pathname.replace('/', '');
    if (db) fromUrl.db = Number(db);
  }
  return {
    host,
    port,
    ...(c.username === undefined ? {} : { username: c.username }),
    ...(c.password === undefined ? {} : { password: c.password }),
    ...(c.db === undefined ? {} : { db: c.db }),
    ...fromUrl,
    connectTimeout: c.connectTimeout ?? 5_000,
    connectionName: c.name ?? 'xstate-supervisor',
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 1_000),
  };
}

/** A client of the connection; `lazyConnect`, so nothing happens until `connectRedis`. @internal */
export function createRedisClient(c: RedisConnection, extra: RedisOptions = {}): Redis {
  // ioredis's overloads spell `replyMapping` without `| undefined`, which
  // exactOptionalPropertyTypes rejects for its own RedisOptions type: construct through it.
  const RedisClient = Redis as unknown as new (options: RedisOptions) => Redis;
  return new RedisClient({ ...redisOptions(c), lazyConnect: true, ...extra });
}

/** An error as a {@link DurableConnectionError} when it is about the connection. @internal */
export function redisConnectionError(c: RedisConnection, e: unknown): unknown {
  if (e instanceof DurableConnectionError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (/NOAUTH|WRONGPASS|invalid password|NOPERM/i.test(message)) {
    return new DurableConnectionError('redis', redisEndpoint(c), e, 'DURABLE_AUTH_FAILED');
  }
  const code = (e as { code?: unknown } | null)?.code;
  const network =
    (typeof code === 'string' &&
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) ||
    /connect|Connection is closed|timed out/i.test(message);
  return network ? new DurableConnectionError('redis', redisEndpoint(c), e) : e;
}

/**
 * Connects a lazy client and sends PING, failing with a {@link DurableConnectionError} within
 * `connectTimeout` when the server does not answer (instead of retrying for ever, as the client
 * does once it has been connected). @internal
 */
export async function connectRedis(c: RedisConnection, client: Redis): Promise<void> {
  const timeout = c.connectTimeout ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  const lastError: { e?: unknown } = {};
  const onError = (e: unknown) => {
    lastError.e = e;
  };
  client.on('error', onError);
  try {
    await Promise.race([
      (async () => {
        if (client.status === 'wait') await client.connect();
        await client.ping();
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(lastError.e ?? new Error(`no answer within ${timeout} ms`)),
          timeout,
        );
      }),
    ]);
  } catch (e) {
    client.disconnect();
    throw redisConnectionError(c, lastError.e ?? e);
  } finally {
    clearTimeout(timer);
    client.off('error', onError);
  }
}
