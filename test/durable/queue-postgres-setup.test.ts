/**
 * A PostgreSQL queue's set-up while another replica holds the schema's set-up lock (it is
 * setting up, or it is stuck there): a stop does not wait for it, and the wait is bounded.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG, type TestBackend, testBackend } from './queue-helpers.ts';

describe('postgres queue set-up behind another replica', () => {
  let backend: TestBackend;
  let other: pg.Client;
  const hold = (schema: string) =>
    other.query('select pg_advisory_lock(hashtextextended($1, 0))', [
      `xstate-supervisor:queue-setup:${schema}`,
    ]);
  const letGo = (schema: string) =>
    other.query('select pg_advisory_unlock(hashtextextended($1, 0))', [
      `xstate-supervisor:queue-setup:${schema}`,
    ]);
  beforeAll(async () => {
    backend = testBackend('postgres');
    other = new pg.Client(PG);
    await other.connect();
  });
  afterAll(async () => {
    await other.end();
    await backend.cleanup();
  });

  it("gives up a take at once when its signal aborts while another replica's set-up holds the lock", async () => {
    await hold(backend.tag);
    const queue = backend.create<number>({ name: 'behind' });
    const stop = new AbortController();
    const taking = queue.take(stop.signal);
    stop.abort(new Error('the worker stops'));
    await expect(taking).rejects.toThrow('the worker stops');
    await letGo(backend.tag);
    // Once the other replica is done, the set-up goes on and the queue works.
    expect(typeof (await queue.enqueue(7))).toBe('string');
    expect(await backend.pendingJobs('behind')).toBe(1);
  });

  it('fails the set-up with DURABLE_SETUP_LOCKED, naming schema, host and port, when the lock is held past 30 s', async () => {
    const stuck = testBackend('postgres');
    await hold(stuck.tag);
    try {
      const queue = stuck.create<number>({ name: 'stuck' });
      const error = await queue.enqueue(1).then(
        () => undefined,
        (e: unknown) => e as { code?: string; message: string },
      );
      expect(error?.code).toBe('DURABLE_SETUP_LOCKED');
      expect(error?.message).toContain(`schema "${stuck.tag}"`);
      expect(error?.message).toContain(`${PG.host}:${PG.port}`);
      await letGo(stuck.tag);
      // The next try succeeds: the failed set-up left no lock and no lock_timeout behind.
      expect(typeof (await queue.enqueue(2))).toBe('string');
    } finally {
      await letGo(stuck.tag);
      await stuck.cleanup();
    }
  }, 90_000);
});
