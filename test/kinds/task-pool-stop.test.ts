/**
 * A task pool as its workers stop, fail, are hard reset or killed: a waiting worker leaves
 * without its tasks, a handler that ends frees its slot, a task handed back goes first. The
 * handlers end when the test says so; assertions are on order, never on time.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { shutdown } from '../../src/actors/shutdown.ts';
import { getTree } from '../../src/actors/tree.ts';
import { createQueueWorker } from '../../src/kinds/queue-worker.ts';
import { createTaskPool } from '../../src/kinds/task-pool.ts';
import { settle } from '../helpers/async.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';
import { gates, startedActors } from './task-pool-helpers.ts';

let logger: CapturingLogger;
beforeEach(() => {
  logger = createCapturingLogger();
});
const start = startedActors();

/** A worker `w` in a pool of 1 whose handlers log `task@generation` and survive an abort. */
function resettable() {
  const g = gates();
  const pool = createTaskPool({ concurrency: 1 });
  const runs: string[] = [];
  const w = createQueueWorker({
    id: 'w',
    logger,
    pool,
    handle: (task: string, ctx) => {
      runs.push(`${task}@${ctx.generation}`);
      return g.handle(task, ctx).catch(() => {});
    },
  });
  return { g, pool, runs, w };
}

describe('task pool: stops and restarts', () => {
  it('a worker stopped while it waits for the pool leaves, its tasks still queued', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 1 });
    const holder = createQueueWorker({ id: 'holder', logger, pool, handle: g.handle });
    const waiter = createQueueWorker({
      id: 'waiter',
      logger,
      pool,
      stopPolicy: 'discard',
      handle: g.handle,
    });
    holder.put('hold');
    start(holder);
    const w = start(waiter);
    waiter.put('w1');
    waiter.put('w2', { priority: 3 });
    await settle();
    expect(pool.stats().waiting).toEqual({ '3': 1, '0': 1 });
    w.send({ type: 'service.stop' });
    await settle();
    expect(w.getSnapshot().value).toBe('stopped');
    expect(pool.stats().waiting).toEqual({});
    expect(waiter.pending()).toEqual(['w2', 'w1']);
    g.finish('hold');
    await settle();
    expect(g.started).toEqual(['hold']);
    expect(pool.stats().inUse).toBe(0);
    // Started again, it takes them, by priority.
    w.send({ type: 'service.start' });
    await settle();
    expect(g.running()).toEqual(['w2']);
    g.finish('w2');
    await settle();
    expect(g.started).toEqual(['hold', 'w2', 'w1']);
  });

  it('drains on stop through the pool: the queued tasks wait for a slot, then the stop ends', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 1 });
    const holder = createQueueWorker({ id: 'holder', logger, pool, handle: g.handle });
    const drainer = createQueueWorker({ id: 'drainer', logger, pool, handle: g.handle });
    holder.put('hold');
    start(holder);
    const d = start(drainer);
    drainer.put('d1');
    drainer.put('d2');
    await settle();
    d.send({ type: 'service.stop' });
    await settle();
    expect(d.getSnapshot().value).toBe('stopping');
    g.finish('hold');
    await settle();
    expect(g.running()).toEqual(['d1']);
    g.finish('d1');
    await settle();
    g.finish('d2');
    await settle();
    expect(d.getSnapshot().value).toBe('stopped');
    expect(g.started).toEqual(['hold', 'd1', 'd2']);
    expect(pool.stats()).toMatchObject({ inUse: 0, waiting: {} });
  });

  it('a failed handler frees its slot, and the restarted worker takes its place in line', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 1 });
    const order: string[] = [];
    const flaky = createQueueWorker({
      id: 'flaky',
      logger,
      pool,
      maxFailures: 0,
      handle: async (task: string, ctx) => {
        order.push(task);
        if (task === 'boom') throw new Error('boom');
        await g.handle(task, ctx);
      },
    });
    const other = createQueueWorker({ id: 'other', logger, pool, handle: g.handle });
    flaky.put('boom');
    flaky.put('after');
    other.put('o1');
    const f = start(flaky);
    start(other);
    await settle();
    expect(f.getSnapshot().value).toBe('failed');
    // Its slot went to the oldest task waiting: o1 (after waits in the failed worker's queue).
    expect(g.running()).toEqual(['o1']);
    expect(pool.stats().inUse).toBe(1);
    f.send({ type: 'service.start' });
    await settle();
    g.finish('o1');
    await settle();
    expect(g.running()).toEqual(['after']);
    g.finish('after');
    await settle();
    expect(order).toEqual(['boom', 'after']);
    expect(g.started).toEqual(['o1', 'after']);
    expect(pool.stats().inUse).toBe(0);
  });

  it('a handler given up at a kill frees its slot at once', async () => {
    const pool = createTaskPool({ concurrency: 1 });
    const g = gates();
    const stubborn = createQueueWorker({
      id: 'stubborn',
      logger,
      pool,
      gracePeriod: 100,
      // Never settles, whatever its signal says.
      handle: () => new Promise<void>(() => {}),
    });
    const next = createQueueWorker({ id: 'next', logger, pool, handle: g.handle });
    stubborn.put('stuck');
    next.put('n1');
    const s = start(stubborn);
    start(next);
    await settle();
    expect(g.started).toEqual([]);
    const stopped = shutdown(s);
    await vi.advanceTimersByTimeAsync(300);
    await stopped;
    await settle();
    expect(g.running()).toEqual(['n1']);
    expect(pool.stats().inUse).toBe(1);
  });

  it('a hard reset frees the slots of its handlers at once and takes their tasks again first', async () => {
    const { g, pool, runs: generations, w } = resettable();
    const other = createQueueWorker({ id: 'other', logger, pool, handle: g.handle });
    w.put('a');
    w.put('b');
    const actor = start(w);
    await settle();
    other.put('o1');
    start(other);
    await settle();
    expect(generations).toEqual(['a@0']);
    actor.send({ type: 'service.hard-reset' });
    await settle();
    // The slot went at once to the worker waiting; `a` is first in line in its own worker.
    expect(g.running()).toEqual(['o1']);
    expect(w.pending()).toEqual(['a', 'b']);
    g.finish('o1');
    await settle();
    expect(generations).toEqual(['a@0', 'a@1']);
    g.finish('a');
    await settle();
    g.finish('b');
    await settle();
    expect(generations).toEqual(['a@0', 'a@1', 'b@1']);
    expect(pool.stats().inUse).toBe(0);
  });

  it('a task handed back at a hard reset goes to the next actor of its worker before the tasks behind it', async () => {
    const { g, runs, w } = resettable();
    w.put('a');
    w.put('b');
    const first = start(w);
    const second = start(w);
    await settle();
    expect(runs).toEqual(['a@0']);
    const holder = getTree(first).details?.inFlight === 1 ? first : second;
    holder.send({ type: 'service.hard-reset' });
    await settle();
    // The other actor (still generation 0) was waiting with b next: it gets a, then b.
    expect(runs).toEqual(['a@0', 'a@0']);
    expect(w.pending()).toEqual(['b']);
    g.finish('a');
    await settle();
    expect(runs.slice(2)).toHaveLength(1);
    expect(runs[2]).toMatch(/^b@/);
  });
});
