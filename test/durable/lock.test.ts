/**
 * The lock backends under faults: a paused Redis holder is fenced out after a takeover, an
 * unreachable database fails the singleton with a typed error and its supervisor restarts it,
 * and a dropped PostgreSQL session stops the child and sends the singleton back to standby.
 */
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { shutdown } from '../../src/actors/shutdown.ts';
import { getTree } from '../../src/actors/tree.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { DurableConnectionError } from '../../src/durable/connection-error.ts';
import { postgresLock } from '../../src/durable/postgres/cluster.ts';
import { singleton } from '../../src/durable/singleton.ts';
import { createService } from '../../src/machines/service.ts';
import { createSupervisor } from '../../src/machines/supervisor.ts';
import {
  dropPgPrefix,
  dropRedisPrefix,
  freshPrefix,
  PG,
  redisClient,
  startReplica,
  until,
} from '../fixtures/cluster/harness.ts';

describe('Redis singleton lock with fencing', () => {
  const prefix = freshPrefix();
  let redis: Redis;
  beforeAll(async () => {
    redis = await redisClient();
  });
  afterAll(async () => {
    await dropRedisPrefix(redis, prefix);
  });

  it('refuses every write of a paused old holder once another replica has taken over', async () => {
    const env = { BACKEND: 'redis', PREFIX: prefix, FENCED: '1', TTL: '1500' };
    const a = await startReplica('a', env);
    await until('a to hold', () => a.roles.at(-1) === 'holder');
    const b = await startReplica('b', env);
    await until('b in standby', () => b.roles.at(-1) === 'standby');
    const writesOf = async (who: string) =>
      (await redis.lrange(`${prefix}:writes`, 0, -1)).filter((w) => w.startsWith(`${who}|`));
    await until('a to write', async () => (await writesOf('a')).length > 0);
    try {
      a.child.kill('SIGSTOP');
      await until('b to take over and write', async () => (await writesOf('b')).length > 0);
      a.child.kill('SIGCONT');
      await until('a back in standby', () => a.roles.at(-1) === 'standby');
      // Let b write again after a is back, so a write of a, if any got through, would show.
      const seen = (await writesOf('b')).length;
      await until('b to write again', async () => (await writesOf('b')).length > seen);
    } finally {
      a.child.kill('SIGCONT');
    }
    const writes = await redis.lrange(`${prefix}:writes`, 0, -1);
    const firstB = writes.findIndex((w) => w.startsWith('b|'));
    expect(firstB).toBeGreaterThan(0);
    expect(writes.slice(firstB).every((w) => w.startsWith('b|'))).toBe(true);
    // b's token is larger than every token a wrote with.
    const tokenOf = (w: string) => Number(w.split('|')[1]);
    expect(tokenOf(writes[firstB]!)).toBeGreaterThan(
      Math.max(...writes.slice(0, firstB).map(tokenOf)),
    );
    expect(b.roles.at(-1)).toBe('holder');
    await Promise.all([a.stop(), b.stop()]);
  }, 60_000);
});

describe('PostgreSQL singleton lock under faults', () => {
  const prefix = freshPrefix();
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ ...PG, max: 2 });
  });
  afterAll(async () => {
    await dropPgPrefix(pool, prefix);
  });

  it('fails with a typed error naming host and port when the database is unreachable, and is restarted by its supervisor', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const lock = postgresLock({ connection: { ...PG, port: 1, connectTimeout: 2_000 }, prefix });
    const child = createService({ id: 'leader', iterate() {} });
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 2,
      restartWindow: 60_000,
      logger: silentLogger,
      children: [singleton(child, { lock, name: 'leader' })],
    });
    const actor = createActor(root);
    const failures: { reason?: unknown }[] = [];
    const restarts: unknown[] = [];
    actor.on('child.failed', (e) => failures.push(e));
    actor.on('child.restarted', (e) => restarts.push(e));
    actor.start();
    try {
      await until('the supervisor to give up', () => getTree(actor).state === 'failed');
      expect(failures.length).toBeGreaterThanOrEqual(3);
      expect(restarts.length).toBe(2);
      const reason = failures[0]!.reason;
      expect(reason).toBeInstanceOf(DurableConnectionError);
      expect((reason as DurableConnectionError).code).toBe('DURABLE_UNREACHABLE');
      expect((reason as Error).message).toContain('127.0.0.1:1');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await shutdown(actor);
      await lock.close();
    }
  }, 60_000);

  it('stops the child and goes back to standby when its session is terminated, then takes the lock again', async () => {
    const app = `${prefix}_drop`;
    const lock = postgresLock({
      connection: { ...PG, applicationName: app },
      prefix,
      checkInterval: 100,
    });
    const order: string[] = [];
    const child = createService({
      id: 'leader',
      pause: 10,
      onStart: () => {
        order.push('start');
      },
      onStop: () => {
        order.push('stop');
      },
      iterate() {},
    });
    const actor = createActor(singleton(child, { lock, name: 'leader', retryInterval: 20 }), {
      input: { logger: silentLogger },
    }).start();
    const details = () =>
      getTree(actor).details as {
        singleton: { role: string; acquisitions: number; token?: number };
      };
    try {
      await until('the lock', () => details().singleton.role === 'holder');
      const firstToken = details().singleton.token!;
      const killed = await pool.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [app],
      );
      expect(killed.rowCount).toBe(1);
      await until(
        'the lock again',
        () => details().singleton.acquisitions === 2 && details().singleton.role === 'holder',
      );
      expect(order).toEqual(['start', 'stop', 'start']);
      expect(details().singleton.token).toBeGreaterThan(firstToken);
      expect(getTree(actor).state).toBe('running');
    } finally {
      await shutdown(actor);
      await lock.close();
    }
    expect(order).toEqual(['start', 'stop', 'start', 'stop']);
  }, 60_000);
});
