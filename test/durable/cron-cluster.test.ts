/**
 * Cluster cron on the real backends: three replica processes fire each per-second tick exactly
 * once (PostgreSQL), and ticks missed while no replica ran are caught up per `catchUp` (Redis).
 */
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { shutdown } from '../../src/actors/shutdown.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createClusterCronService } from '../../src/durable/cron-cluster.ts';
import { redisTickClaims } from '../../src/durable/redis/cluster.ts';
import {
  dropPgPrefix,
  dropRedisPrefix,
  freshPrefix,
  pgLog,
  type Replica,
  redisClient,
  startReplica,
  until,
} from '../fixtures/cluster/harness.ts';

describe('cluster cron on PostgreSQL, 3 replica processes', () => {
  const prefix = freshPrefix();
  let pool: pg.Pool;
  const replicas: Replica[] = [];
  beforeAll(async () => {
    pool = await pgLog(prefix);
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await dropPgPrefix(pool, prefix);
  });

  it('fires each of 60 per-second ticks exactly once across the replicas', async () => {
    const env = { BACKEND: 'postgres', PREFIX: prefix, CRON_JOB: 'every-second' };
    replicas.push(...(await Promise.all(['a', 'b', 'c'].map((n) => startReplica(n, env)))));
    const ticks = async () =>
      (
        await pool.query<{ replica: string; extra: string }>(
          `select replica, extra from ${prefix}_log where event = 'tick' order by seq`,
        )
      ).rows;
    await until('62 ticks', async () => (await ticks()).length >= 62, 120_000);
    await Promise.all(replicas.map((r) => r.stop()));
    const rows = await ticks();
    const times = rows.map((r) => Number(r.extra));
    // Each tick once: no duplicate, and no second skipped between the first and the last.
    expect(new Set(times).size).toBe(times.length);
    const sorted = [...times].sort((x, y) => x - y);
    expect((sorted.at(-1)! - sorted[0]!) / 1000 + 1).toBe(sorted.length);
    expect(sorted.length).toBeGreaterThanOrEqual(62);
    // More than one replica did the work (the claims decide, not a leader).
    expect(new Set(rows.map((r) => r.replica)).size).toBeGreaterThan(1);
  }, 150_000);
});

describe('cluster cron catch-up on Redis', () => {
  const prefix = freshPrefix();
  let redis: Redis;
  beforeAll(async () => {
    redis = await redisClient();
  });
  afterAll(async () => {
    await dropRedisPrefix(redis, prefix);
  });

  /** Runs one replica until it has fired `count` live ticks; returns what it ran. */
  async function replica(job: string, catchUp: 'none' | 'last' | 'all', count: number) {
    const claims = redisTickClaims({ prefix });
    const ran: { at: number; late: boolean }[] = [];
    const actor = createActor(
      createClusterCronService({
        id: 'job',
        job,
        cron: '* * * * * *',
        timezone: 'UTC',
        claims,
        catchUp,
        catchUpLimit: 2,
        run: (_ctx, tick) => {
          ran.push({ at: tick.at.getTime(), late: tick.catchUp });
        },
      }),
      { input: { logger: silentLogger } },
    ).start();
    await until(`${count} live ticks`, () => ran.filter((r) => !r.late).length >= count);
    await shutdown(actor);
    await claims.close();
    return ran;
  }

  for (const [policy, expected] of [
    ['none', 0],
    ['last', 1],
    ['all', 2],
  ] as const) {
    it(`runs ${expected} of the ticks missed while no replica ran (catchUp: '${policy}', limit 2)`, async () => {
      const job = `job-${policy}`;
      const first = await replica(job, policy, 1);
      const lastClaimed = Math.max(...first.map((r) => r.at));
      // No replica runs for more than three fire times.
      await until('3 missed ticks', () => Date.now() > lastClaimed + 3_500);
      const second = await replica(job, policy, 1);
      const late = second.filter((r) => r.late).map((r) => r.at);
      const live = second.filter((r) => !r.late).map((r) => r.at);
      expect(late).toHaveLength(expected);
      // The caught-up ticks are the latest missed ones, oldest first, before any live tick.
      for (const at of late) {
        expect(at).toBeGreaterThan(lastClaimed);
        expect(at).toBeLessThan(live[0]!);
      }
      expect([...late].sort((x, y) => x - y)).toEqual(late);
      // The latest missed one is the fire time just before the first live one.
      if (late.length > 0) expect(late.at(-1)).toBe(live[0]! - 1_000);
      expect(second.findIndex((r) => !r.late)).toBe(late.length);
    }, 30_000);
  }
});
