/**
 * A task pool shared by real queue workers: the shared limit, the order slots are given in
 * (priority, then arrival, across the workers), reserves, the unthrottled priority, and the
 * worker's own concurrency inside the pool. Handlers end when the test says so: every
 * assertion is on which tasks started and in what order, never on time.
 */
import { beforeEach, describe, expect, it } from 'vitest';
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

  it("lets a put waiting for room in (onFull: 'wait') as the pool takes a task, in order", async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 1 });
    const w = createQueueWorker({
      id: 'w',
      logger,
      pool,
      capacity: 1,
      onFull: 'wait',
      concurrency: 3,
      handle: g.handle,
    });
    const holder = createQueueWorker({ id: 'holder', logger, pool, handle: g.handle });
    holder.put('hold');
    start(holder);
    start(w);
    await settle();
    const accepted: string[] = [];
    for (const t of ['w1', 'w2', 'w3']) void w.put(t).then(() => accepted.push(t));
    await settle();
    expect(accepted).toEqual(['w1']);
    g.finish('hold');
    await settle();
    // w1 took the slot, which made room for w2; w3 waits for the next.
    expect(g.running()).toEqual(['w1']);
    expect(accepted).toEqual(['w1', 'w2']);
    g.finish('w1');
    await settle();
    g.finish('w2');
    await settle();
    expect(g.started).toEqual(['hold', 'w1', 'w2', 'w3']);
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
});
