/**
 * A task pool shared by real queue workers: the shared limit, the order slots are given in
 * (priority, then arrival, across the workers), reserves, the unthrottled priority, and the
 * worker's own concurrency inside the pool. Handlers end when the test says so: every
 * assertion is on which tasks started and in what order, never on time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AnyActorRef, createActor } from 'xstate';
import { createQueueWorker } from '../../src/kinds/queue-worker.ts';
import { createTaskPool } from '../../src/kinds/task-pool.ts';
import { shutdown } from '../../src/shutdown.ts';
import { getTree } from '../../src/tree.ts';
import { settle } from '../helpers/async.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';
import { gates } from './task-pool-helpers.ts';

let logger: CapturingLogger;
const actors: AnyActorRef[] = [];
beforeEach(() => {
  vi.useFakeTimers();
  logger = createCapturingLogger();
});
afterEach(async () => {
  for (const a of actors.splice(0)) a.stop();
  vi.useRealTimers();
});

function start(machine: Parameters<typeof createActor>[0]): AnyActorRef {
  const actor = createActor(machine).start();
  actors.push(actor);
  return actor;
}

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

describe('task pool: one limit across workers', () => {
  it('runs at most `concurrency` handlers across the workers that share the pool', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 2 });
    const a = createQueueWorker({ id: 'a', logger, pool, concurrency: 2, handle: g.handle });
    const b = createQueueWorker({ id: 'b', logger, pool, concurrency: 2, handle: g.handle });
    for (const t of ['a1', 'a2', 'a3']) a.put(t);
    for (const t of ['b1', 'b2', 'b3']) b.put(t);
    start(a);
    start(b);
    await settle();
    expect(g.running()).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ inUse: 2, limit: 2 });
    g.finish(g.running()[0]!);
    await settle();
    expect(g.running()).toHaveLength(2);
    expect(g.started).toHaveLength(3);
    while (g.running().length > 0) {
      g.finish(g.running()[0]!);
      await settle();
    }
    expect(g.started.sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
    expect(pool.stats()).toEqual({ name: 'pool', inUse: 0, limit: 2, waiting: {} });
  });

  it('gives a free slot to the greatest priority, then the oldest task, whichever worker it is in', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 1 });
    const a = createQueueWorker({ id: 'a', logger, pool, concurrency: 3, handle: g.handle });
    const b = createQueueWorker({ id: 'b', logger, pool, concurrency: 3, handle: g.handle });
    a.put('block');
    start(a);
    start(b);
    await settle();
    expect(g.started).toEqual(['block']);
    b.put('b-low-1');
    a.put('a-low-2');
    b.put('b-high-1', { priority: 5 });
    a.put('a-high-2', { priority: 5 });
    a.put('a-mid', { priority: 1 });
    b.put('b-low-3');
    await settle();
    expect(g.started).toEqual(['block']);
    expect(pool.stats().waiting).toEqual({ '5': 2, '1': 1, '0': 3 });
    for (let i = 0; i < 6; i++) {
      g.finish(g.running()[0]!);
      await settle();
    }
    expect(g.started).toEqual([
      'block',
      'b-high-1',
      'a-high-2',
      'a-mid',
      'b-low-1',
      'a-low-2',
      'b-low-3',
    ]);
  });

  it("keeps each worker's own concurrency inside the pool", async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 10 });
    const a = createQueueWorker({ id: 'a', logger, pool, handle: g.handle });
    const b = createQueueWorker({ id: 'b', logger, pool, concurrency: 2, handle: g.handle });
    for (const t of ['a1', 'a2', 'a3']) a.put(t);
    for (const t of ['b1', 'b2', 'b3']) b.put(t);
    start(a);
    start(b);
    await settle();
    expect(g.running().sort()).toEqual(['a1', 'b1', 'b2']);
    expect(pool.stats()).toMatchObject({ inUse: 3, waiting: {} });
  });
});

describe('task pool: reserves and the unthrottled priority', () => {
  it('keeps reserved slots for tasks at or above their priority', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 4, reserve: { 10: 1, 50: 1 } });
    const w = createQueueWorker({ id: 'w', logger, pool, concurrency: 10, handle: g.handle });
    for (const t of ['low-1', 'low-2', 'low-3']) w.put(t);
    start(w);
    await settle();
    // Priority 0 may use 4 - 1 - 1 slots.
    expect(g.running()).toEqual(['low-1', 'low-2']);
    w.put('p10-1', { priority: 10 });
    w.put('p10-2', { priority: 10 });
    await settle();
    // Priority 10 may use 4 - 1: the third slot, not the one kept for 50.
    expect(g.running()).toEqual(['low-1', 'low-2', 'p10-1']);
    w.put('p50', { priority: 50 });
    await settle();
    expect(g.running()).toEqual(['low-1', 'low-2', 'p10-1', 'p50']);
    expect(pool.stats()).toMatchObject({ inUse: 4, waiting: { '10': 1, '0': 1 } });
    // A slot frees: 3 in use, the slot kept for 50 stays free; neither p10-2 nor low-3 start.
    g.finish('low-1');
    await settle();
    expect(g.running()).toEqual(['low-2', 'p10-1', 'p50']);
    g.finish('p50');
    await settle();
    expect(g.running()).toEqual(['low-2', 'p10-1', 'p10-2']);
    // 2 in use: priority 0 may use 2, so low-3 still waits until one more ends.
    g.finish('p10-1');
    await settle();
    expect(g.running()).toEqual(['low-2', 'p10-2']);
    g.finish('p10-2');
    await settle();
    expect(g.running()).toEqual(['low-2', 'low-3']);
  });

  it('starts unthrottled tasks when the pool is full, and counts them as in use', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 1, reserve: {}, unthrottled: 100 });
    const bulk = createQueueWorker({ id: 'bulk', logger, pool, concurrency: 5, handle: g.handle });
    const alarms = createQueueWorker({
      id: 'alarms',
      logger,
      pool,
      concurrency: 5,
      handle: g.handle,
    });
    bulk.put('bulk-1');
    bulk.put('bulk-2');
    start(bulk);
    start(alarms);
    await settle();
    expect(g.running()).toEqual(['bulk-1']);
    alarms.put('fire', { priority: 100 });
    alarms.put('flood', { priority: 200 });
    await settle();
    expect(g.running()).toEqual(['bulk-1', 'fire', 'flood']);
    expect(pool.stats()).toMatchObject({ inUse: 3, limit: 1, waiting: { '0': 1 } });
    g.finish('bulk-1');
    await settle();
    // Still 2 in use of 1: bulk-2 waits for the unthrottled ones to end.
    expect(g.running()).toEqual(['fire', 'flood']);
    g.finish('fire');
    await settle();
    expect(g.running()).toEqual(['flood']);
    g.finish('flood');
    await settle();
    expect(g.running()).toEqual(['bulk-2']);
  });

  it('two actors of one worker share its queue in the pool: each task is given once, in order', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 2 });
    const w = createQueueWorker({ id: 'w', logger, pool, concurrency: 2, handle: g.handle });
    for (const t of ['t1', 't2', 't3', 't4', 't5']) w.put(t);
    start(w);
    start(w);
    await settle();
    expect(g.running()).toEqual(['t1', 't2']);
    for (let i = 0; i < 5; i++) {
      g.finish(g.running()[0]!);
      await settle();
    }
    expect(g.started).toEqual(['t1', 't2', 't3', 't4', 't5']);
    expect(w.pending()).toEqual([]);
    expect(pool.stats().inUse).toBe(0);
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
});
