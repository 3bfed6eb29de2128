/**
 * The cluster backends on Redis: the singleton lock (`SET NX PX` with an `INCR` fencing token,
 * in one script, renewed by compare-and-`PEXPIRE`), the cron tick claims (`SET NX` of the fire
 * time) and the replica registry (a key per replica with `PX`, and a set of ids).
 */
import type { Redis } from 'ioredis';
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
  connectRedis,
  createRedisClient,
  type RedisConnection,
  redisConnectionError,
} from './connection.ts';

/**
 * Options of the Redis cluster backends ({@link redisLock}, {@link redisTickClaims},
 * {@link redisRegistry}).
 *
 * @example
 * ```ts
 * const options: RedisClusterOptions = { connection: { host: '127.0.0.1' }, prefix: 'myapp', ttl: 3_000 };
 * ```
 */
export interface RedisClusterOptions {
  /** Where Redis is. @default `{}` (127.0.0.1:6379) */
  connection?: RedisConnection;
  /** Prefix of every key. @default 'xss' */
  prefix?: string;
  /**
   * Lock: how long a lease lives without renewal, in ms; the holder renews it every `ttl / 3`
   * and gives it up (stops its child) if no renewal succeeded within `ttl * 2 / 3`. A holder
   * killed by SIGKILL is replaced within `ttl` plus the standby's `retryInterval`. @default 3000
   */
  ttl?: number;
  /** Cron claims: how long a claimed fire time is remembered, in ms. @default 7 days */
  claimRetention?: number;
}

const ACQUIRE = `if redis.call('exists', KEYS[1]) == 1 then return 0 end
local t = redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], t .. ':' .. ARGV[2], 'PX', ARGV[1])
return t`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;
const CLAIM = `if redis.call('set', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3]) then
  local last = tonumber(redis.call('get', KEYS[2]) or '0')
  if tonumber(ARGV[1]) > last then redis.call('set', KEYS[2], ARGV[1]) end
  return 1
end
return 0`;

/** A lazily connected client, shared by one backend. */
function lazyClient(connection: RedisConnection) {
  let client: Redis | undefined;
  let ready: Promise<Redis> | undefined;
  return {
    get(): Promise<Redis> {
      ready ??= (async () => {
        const c = createRedisClient(connection);
        c.on('error', () => undefined);
        await connectRedis(connection, c);
        client = c;
        return c;
      })().catch((e) => {
        ready = undefined;
        throw redisConnectionError(connection, e);
      });
      return ready;
    },
    async call<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
      const r = await this.get();
      try {
        return await fn(r);
      } catch (e) {
        throw redisConnectionError(connection, e);
      }
    },
    async close() {
      const c = client;
      client = undefined;
      ready = undefined;
      if (c) await c.quit().catch(() => c.disconnect());
    },
  };
}

/**
 * A singleton lock on Redis with fencing: the lease is the key `<prefix>:lock:<name>`, set with
 * `NX PX ttl` to `<token>:<owner>` where `token` comes from `INCR <prefix>:fence:<name>`, so
 * every new holder has a larger token. Renewal and release compare the value first, so a paused
 * old holder can neither extend nor delete the new holder's lease, and `lease.check()` tells it
 * it lost. Writes of the child should carry the token (fencing) to be safe against a pause
 * between a check and a write.
 *
 * @example
 * ```ts
 * const lock = redisLock({ connection: { host: '127.0.0.1' }, ttl: 3_000 });
 * const leader = singleton(createService({ id: 'leader', iterate() {} }), { lock, name: 'leader' });
 * ```
 */
export function redisLock(options: RedisClusterOptions = {}): SingletonLock {
  const connection = options.connection ?? {};
  const prefix = options.prefix ?? 'xss';
  const ttl = options.ttl ?? 3_000;
  const client = lazyClient(connection);
  const held = new Map<string, LockLease>();
  const owner = `${process.pid}:${Math.random().toString(36).slice(2, 10)}`;

  const tryAcquire = async (name: string): Promise<LockLease | null> => {
    if (held.has(name)) return null;
    const r = await client.get();
    const key = `${prefix}:lock:${name}`;
    let token: number;
    try {
      token = Number(await r.eval(ACQUIRE, 2, key, `${prefix}:fence:${name}`, ttl, owner));
    } catch (e) {
      throw redisConnectionError(connection, e);
    }
    if (token === 0) return null;
    const value = `${token}:${owner}`;
    const loss = lossSignal();
    let deadline: NodeJS.Timeout;
    const arm = () => {
      clearTimeout(deadline);
      deadline = setTimeout(
        () =>
          loss.lose(
            new LockLostError(name, `no renewal succeeded within ${Math.round((ttl * 2) / 3)} ms`),
          ),
        Math.round((ttl * 2) / 3),
      );
      deadline.unref();
    };
    arm();
    const renew = setInterval(
      () => {
        const sent = Date.now();
        r.eval(RENEW, 1, key, value, ttl).then(
          (ok) => {
            if (Number(ok) !== 1)
              loss.lose(new LockLostError(name, 'another replica holds it now'));
            else if (Date.now() - sent < ttl / 3) arm();
          },
          (e: unknown) => loss.lose(new LockLostError(name, 'its renewal failed', e)),
        );
      },
      Math.round(ttl / 3),
    );
    renew.unref();
    return createLease({
      name,
      token,
      loss,
      held,
      probe: async () => (await r.get(key)) === value,
      giveBack: () => {
        clearInterval(renew);
        clearTimeout(deadline);
        return r.eval(RELEASE, 1, key, value);
      },
    });
  };

  return {
    backend: 'redis',
    takeoverBound: ttl,
    tryAcquire,
    held: (name) => held.get(name),
    async close() {
      await Promise.all([...held.values()].map((l) => l.release()));
      await client.close();
    },
  };
}

/**
 * Cron tick claims on Redis: `SET <prefix>:cron:<job>:<tick> NX PX claimRetention`, and the
 * latest claimed tick in `<prefix>:cron:<job>:last`, both in one script.
 *
 * @example
 * ```ts
 * const claims = redisTickClaims({ connection: { host: '127.0.0.1' } });
 * createClusterCronService({ id: 'report', cron: '0 * * * *', claims, run() {} });
 * ```
 */
export function redisTickClaims(options: RedisClusterOptions = {}): TickClaims {
  const connection = options.connection ?? {};
  const prefix = options.prefix ?? 'xss';
  const retention = options.claimRetention ?? 7 * 24 * 3_600_000;
  const client = lazyClient(connection);
  const call = <T>(fn: (r: Redis) => Promise<T>) => client.call(fn);
  return {
    backend: 'redis',
    claim: (job, tick, replica) =>
      call(async (r) => {
        const base = `${prefix}:cron:${job}`;
        return (
          Number(
            await r.eval(CLAIM, 2, `${base}:${tick}`, `${base}:last`, tick, replica, retention),
          ) === 1
        );
      }),
    last: (job) =>
      call(async (r) => {
        const v = await r.get(`${prefix}:cron:${job}:last`);
        return v === null ? undefined : Number(v);
      }),
    close: () => client.close(),
  };
}

/**
 * The replica registry on Redis: `<prefix>:replica:<id>` holds the record with `PX ttl`, and the
 * set `<prefix>:replicas` the ids (pruned of expired ones when listed).
 *
 * @example
 * ```ts
 * const registry = redisRegistry({ connection: { host: '127.0.0.1' } });
 * const member = await joinCluster(actor, { registry });
 * ```
 */
export function redisRegistry(options: RedisClusterOptions = {}): ReplicaRegistry {
  const connection = options.connection ?? {};
  const prefix = options.prefix ?? 'xss';
  const client = lazyClient(connection);
  const call = <T>(fn: (r: Redis) => Promise<T>) => client.call(fn);
  return {
    backend: 'redis',
    put: (record, ttl) =>
      call(async (r) => {
        await r
          .multi()
          .set(`${prefix}:replica:${record.id}`, JSON.stringify(record), 'PX', ttl)
          .sadd(`${prefix}:replicas`, record.id)
          .exec();
      }),
    list: () =>
      call(async (r) => {
        const ids = (await r.smembers(`${prefix}:replicas`)).sort();
        if (ids.length === 0) return [];
        const values = await r.mget(ids.map((id) => `${prefix}:replica:${id}`));
        const gone = ids.filter((_, i) => values[i] === null);
        if (gone.length > 0) await r.srem(`${prefix}:replicas`, ...gone);
        return values
          .filter((v): v is string => v !== null)
          .map((v) => JSON.parse(v) as ReplicaRecord);
      }),
    remove: (id) =>
      call(async (r) => {
        await r.multi().del(`${prefix}:replica:${id}`).srem(`${prefix}:replicas`, id).exec();
      }),
    close: () => client.close(),
  };
}
