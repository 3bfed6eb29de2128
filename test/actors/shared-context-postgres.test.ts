/**
 * The shared context with a real PostgreSQL pool (127.0.0.1:5432, db `test`): one service
 * opens the pool and sets it, another queries through it; when the setter restarts, the
 * closed pool is never handed out and the next query runs on the new one.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { createActor, waitFor } from 'xstate';
import {
  createContextKey,
  createService,
  createSupervisor,
  getTree,
  sharedContextOf,
  shutdown,
  silentLogger,
} from '../../src/index.ts';

const DB = createContextKey<pg.Pool>('db');

const running: AnyActorRef[] = [];
afterEach(async () => {
  for (const actor of running.splice(0)) await shutdown(actor);
});

describe('shared context with PostgreSQL', () => {
  it('hands the pool db opened to api, and after db restarts the new pool, never the ended one', async () => {
    const pools: pg.Pool[] = [];
    const db = createService({
      id: 'db',
      pause: 1_000_000,
      async onStart(ctx) {
        const pool = new pg.Pool({ host: '127.0.0.1', database: 'test', user: 'postgres', max: 2 });
        pools.push(pool);
        await pool.query('select 1');
        ctx.context.set(DB, pool);
      },
      async onStop() {
        await pools.at(-1)?.end();
      },
      iterate() {},
    });
    let answered!: (n: string) => void;
    const answer = new Promise<string>((resolve) => {
      answered = resolve;
    });
    const api = createService({
      id: 'api',
      pause: 1_000_000,
      async iterate(ctx) {
        const pool = await ctx.context.get(DB);
        const { rows } = await pool.query<{ n: string }>('select $1::text as n', [
          `gen ${ctx.generation}`,
        ]);
        answered(rows[0]!.n);
      },
    });
    const actor = createActor(
      createSupervisor({
        id: 'root',
        strategy: 'one-for-one',
        children: [api, db],
        logger: silentLogger,
      }),
    );
    running.push(actor);
    actor.start();
    await waitFor(actor, () => getTree(actor).state === 'running');
    const context = sharedContextOf(actor);
    const first = await context.get(DB);
    expect(first).toBe(pools[0]);
    // api queried through the pool db set, though it was declared (and started) first.
    expect(await answer).toBe('gen 0');

    const restarted = new Promise<void>((resolve) => {
      const sub = actor.on('child.restarted', () => {
        sub.unsubscribe();
        resolve();
      });
    });
    actor.send({ type: 'child.restart', id: 'db' });
    await restarted;
    const second = await context.get(DB, { signal: AbortSignal.timeout(10_000) });
    expect(second).toBe(pools[1]);
    expect(first.ended).toBe(true);
    const { rows } = await second.query<{ one: number }>('select 1 as one');
    expect(rows).toEqual([{ one: 1 }]);
  });
});
