/**
 * Shared by the durable queue tests: a backend of each kind under a name of its own (a random
 * PostgreSQL schema, a random Redis key prefix, named connections), cleaned up after the file,
 * and a bounded wait on a condition.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type Actor, type AnyActorLogic, createActor } from 'xstate';
import { type Logger, silentLogger } from '../../src/core/logger.ts';
import type { SupervisorReport } from '../../src/core/reports.ts';
import type { PostgresQueueOptions } from '../../src/durable/postgres/index.ts';
import { createPostgresQueue, type PostgresQueue } from '../../src/durable/postgres/index.ts';
import type { DurableQueueOptions } from '../../src/durable/queue-options.ts';
import { createRedisQueue, type RedisQueue } from '../../src/durable/redis/index.ts';
import { createSupervisor } from '../../src/machines/supervisor.ts';

export type BackendKind = 'postgres' | 'redis';
export const BACKENDS: readonly BackendKind[] = ['postgres', 'redis'];

export const PG = { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' } as const;

type AnyQueue<T> = PostgresQueue<T> | RedisQueue<T>;

export interface TestBackend {
  readonly kind: BackendKind;
  /** The schema (PostgreSQL) or key prefix (Redis) of this file, and its connections' name. */
  readonly tag: string;
  /** A queue of this backend, closed by `cleanup`. */
  create<T>(options: Omit<DurableQueueOptions, 'logger'> & { batchSize?: number }): AnyQueue<T>;
  /** A queue of this backend reached through a {@link tcpProxy} (closed by `cleanup`). */
  behindProxy<T>(
    options: Omit<DurableQueueOptions, 'logger'>,
  ): Promise<{ queue: AnyQueue<T>; proxy: TcpProxy }>;
  /** The environment a child process needs to build the same queues. */
  env(): Record<string, string>;
  /** Jobs of queue `name` not completed yet (waiting, delayed, retrying or leased). */
  pendingJobs(name: string): Promise<number>;
  /** Drops every server connection of this file's queues (pg_terminate_backend, CLIENT KILL). */
  dropConnections(): Promise<number>;
  /**
   * Takes a leased job away from its worker in the server, as another replica's expiry would:
   * back to waiting (PostgreSQL), its lock deleted (Redis; BullMQ's stall check moves it back).
   */
  takeBack(name: string, id: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** A backend whose every name is new: schema `xsq_t_<hex>`, prefix `xsqt<hex>`. */
export function testBackend(kind: BackendKind): TestBackend {
  const hex = randomBytes(5).toString('hex');
  const tag = kind === 'postgres' ? `xsq_t_${hex}` : `xsqt${hex}`;
  const queues: AnyQueue<unknown>[] = [];
  return {
    kind,
    tag,
    async behindProxy<T>(options: Omit<DurableQueueOptions, 'logger'>) {
      const proxy = await tcpProxy(kind === 'postgres' ? PG.port : 6379);
      return { queue: this.create<T>({ ...options, port: proxy.port } as never), proxy };
    },
    create<T>(options: Omit<DurableQueueOptions, 'logger'> & { batchSize?: number }) {
      const { batchSize, port, ...common } = options as typeof options & { port?: number };
      const at = port === undefined ? {} : { port, connectTimeout: 1_000 };
      const q =
        kind === 'postgres'
          ? createPostgresQueue<T>({
              ...common,
              logger: silentLogger,
              schema: tag,
              pollInterval: 200,
              connection: { ...PG, applicationName: tag, ...at },
              ...(batchSize === undefined ? {} : { batchSize }),
            } satisfies PostgresQueueOptions)
          : createRedisQueue<T>({
              ...common,
              logger: silentLogger,
              prefix: tag,
              connection: { host: '127.0.0.1', port: 6379, name: tag, ...at },
            });
      queues.push(q as AnyQueue<unknown>);
      return q;
    },
    env: () => ({ XSQ_BACKEND: kind, XSQ_TAG: tag }),
    async pendingJobs(name: string) {
      if (kind === 'postgres') {
        const c = new pg.Client(PG);
        await c.connect();
        const { rows } = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${tag}.job WHERE name = $1 AND state < 'completed'`,
          [name],
        );
        await c.end();
        return rows[0]!.n;
      }
      const r = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
      await r.connect();
      const key = `${tag}:${name}`;
      const n =
        (await r.llen(`${key}:wait`)) +
        (await r.llen(`${key}:active`)) +
        (await r.zcard(`${key}:prioritized`)) +
        (await r.zcard(`${key}:delayed`));
      r.disconnect();
      return n;
    },
    async dropConnections() {
      if (kind === 'postgres') {
        const c = new pg.Client(PG);
        await c.connect();
        const { rowCount } = await c.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
          [tag],
        );
        await c.end();
        return rowCount ?? 0;
      }
      const r = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
      await r.connect();
      const list = (await r.client('LIST')) as unknown as string;
      const ids = list
        .split('\n')
        .filter((line) => line.includes(`name=${tag}`))
        .map((line) => /id=(\d+)/.exec(line)?.[1])
        .filter((id): id is string => id !== undefined);
      for (const id of ids) await r.client('KILL', 'ID', id);
      r.disconnect();
      return ids.length;
    },
    async takeBack(name: string, id: string) {
      if (kind === 'postgres') {
        await withPg((c) =>
          c.query(
            `UPDATE ${tag}.job SET state = 'created', started_on = NULL WHERE name = $1 AND id = $2`,
            [name, id],
          ),
        );
        return;
      }
      await withRedis((r) => r.del(`${tag}:${name}:${id}:lock`));
    },
    async cleanup() {
      await Promise.all(queues.splice(0).map((q) => q.close().catch(() => {})));
      await dropTag(kind, tag);
    },
  };
}

/** Removes a test's schema or keys. */
export async function dropTag(kind: BackendKind, tag: string): Promise<void> {
  if (kind === 'postgres') {
    const c = new pg.Client(PG);
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${tag} CASCADE`);
    await c.end();
    return;
  }
  const r = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await r.connect();
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${tag}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await r.del(...keys);
  } while (cursor !== '0');
  r.disconnect();
}

/** Polls `test` every 20 ms; fails naming `what` after `timeout` ms (a hang guard only). */
export async function until(
  test: () => boolean | Promise<boolean>,
  what: string,
  timeout = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A promise and its resolver: a gate a handler waits on. */
export function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

/**
 * A TCP proxy on 127.0.0.1 to a server: `down()` closes it and every connection through it (the
 * server becomes unreachable at that port), `up()` listens again on the same port.
 */
export interface TcpProxy {
  readonly port: number;
  up(): Promise<void>;
  down(): Promise<void>;
}

/**
 * A root supervisor (one-for-one, restarts every `backoff` ms, up to 1,000) over `children`,
 * started; `failed` collects its `child.failed` reports.
 */
export function restartingRoot(
  children: AnyActorLogic[],
  logger: Logger = silentLogger,
  backoff = 100,
): { root: Actor<AnyActorLogic>; failed: SupervisorReport[] } {
  const failed: SupervisorReport[] = [];
  const root = createActor(
    createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 1_000,
      restartWindow: 60_000,
      backoff: { initial: backoff, max: backoff, factor: 1, jitter: 0 },
      logger,
      children: children as never,
    }),
  ) as unknown as Actor<AnyActorLogic>;
  root.on('child.failed' as never, (r: unknown) => failed.push(r as SupervisorReport));
  root.start();
  return { root, failed };
}

export async function tcpProxy(target: number): Promise<TcpProxy> {
  const net = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  let server: import('node:net').Server | undefined;
  let port = 0;
  const up = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target, '127.0.0.1');
        sockets.add(client);
        sockets.add(upstream);
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as import('node:net').AddressInfo).port;
        resolve();
      });
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await up();
  return {
    get port() {
      return port;
    },
    up,
    down,
  };
}

/** Runs `fn` on a PostgreSQL client of its own, closed after. */
export async function withPg<R>(fn: (c: pg.Client) => Promise<R>): Promise<R> {
  const c = new pg.Client(PG);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Runs `fn` on a Redis client of its own, closed after. */
export async function withRedis<R>(fn: (r: Redis) => Promise<R>): Promise<R> {
  const r = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await r.connect();
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}
