/**
 * Singleton services across real replica processes on the real PostgreSQL: one holder at any
 * instant, takeover after SIGKILL and after a graceful stop. Order is read from the backend's
 * own log (a bigserial), never from wall-clock margins.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropPgPrefix,
  freshPrefix,
  maxConcurrentHolders,
  pgLog,
  type Replica,
  startReplica,
  until,
} from '../fixtures/cluster/harness.ts';

type Row = { seq: string; replica: string; event: string };

describe('singleton on PostgreSQL advisory locks, 3 replica processes', () => {
  const prefix = freshPrefix();
  let pool: pg.Pool;
  const replicas = new Map<string, Replica>();

  beforeAll(async () => {
    pool = await pgLog(prefix);
  });
  afterAll(async () => {
    await Promise.all([...replicas.values()].map((r) => r.stop()));
    await dropPgPrefix(pool, prefix);
  });

  const events = async (): Promise<Row[]> =>
    (await pool.query<Row>(`select seq::text, replica, event from ${prefix}_log order by seq`))
      .rows;
  const holder = (rows: readonly Row[]): string | undefined => {
    const active = new Set<string>();
    for (const r of rows) {
      if (r.event === 'start') active.add(r.replica);
      if (r.event === 'stop' || r.event === 'kill') active.delete(r.replica);
    }
    return [...active][0];
  };
  const starts = async () => (await events()).filter((r) => r.event === 'start').length;

  it('keeps exactly one holder while holders are SIGKILLed and stopped, and a standby takes over each time', async () => {
    let n = 0;
    const spawn = async () => {
      const name = `r${n++}`;
      replicas.set(name, await startReplica(name, { BACKEND: 'postgres', PREFIX: prefix }));
    };
    await Promise.all([spawn(), spawn(), spawn()]);
    await until('a first holder', async () => (await starts()) === 1);

    // Sample every 10 ms: the holders the log says are running right now.
    let samples = 0;
    let overlaps = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const rows = await events();
        if (maxConcurrentHolders(rows.slice(-4)) > 1) overlaps++;
        samples++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    for (let k = 0; k < 3; k++) {
      const before = await starts();
      const victim = holder(await events())!;
      // The kill is logged before the signal: the victim holds until it dies, and no standby
      // can take the lock before its session is gone, so a start after this row is after death.
      await pool.query(`insert into ${prefix}_log (replica, event) values ($1, 'kill')`, [victim]);
      await replicas.get(victim)!.kill();
      replicas.delete(victim);
      await until('a takeover after SIGKILL', async () => (await starts()) === before + 1);
      const next = holder(await events());
      expect(next).toBeDefined();
      expect(next).not.toBe(victim);
      await spawn();
    }
    // A graceful stop: the child stops (logged) before the lock is given back.
    const before = await starts();
    const leaving = holder(await events())!;
    await replicas.get(leaving)!.stop();
    replicas.delete(leaving);
    await until('a takeover after a graceful stop', async () => (await starts()) === before + 1);

    sampling = false;
    await sampler;
    const rows = await events();
    expect(samples).toBeGreaterThan(10);
    expect(overlaps).toBe(0);
    expect(maxConcurrentHolders(rows)).toBe(1);
    expect(rows.filter((r) => r.event === 'start')).toHaveLength(5);
    // The stop of the graceful holder precedes the next start.
    const stopAt = rows.findIndex((r) => r.event === 'stop' && r.replica === leaving);
    expect(rows.slice(stopAt + 1).some((r) => r.event === 'start')).toBe(true);
    // Standbys show it: every live replica reported a role, and only one is holder now.
    const roles = [...replicas.values()].map((r) => r.roles.at(-1));
    expect(roles.filter((r) => r === 'holder')).toHaveLength(1);
    expect(roles.filter((r) => r === 'standby')).toHaveLength(replicas.size - 1);
  }, 120_000);
});
