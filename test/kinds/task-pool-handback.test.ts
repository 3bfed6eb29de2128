/**
 * A task pool and the tasks that go back to their worker: a task handed back after a hard
 * reset keeps its own priority, a task given just as its actor stops goes back first in line,
 * and a task put straight into a memory queue given as the worker's `queue` wakes the pool.
 * Handlers end when the test says so: assertions are on order, never on time.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryQueue } from '../../src/kinds/queue.ts';
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

describe('task pool: tasks handed back', () => {
  it('a task handed back at a hard reset keeps its own low priority: it never borrows an unthrottled priority queued behind it', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 1, unthrottled: 100 });
    const w = createQueueWorker({ id: 'w', logger, pool, handle: g.handle });
    const x = createQueueWorker({ id: 'x', logger, pool, handle: g.handle });
    w.put('a');
    const wa = start(w);
    await settle();
    x.put('o1');
    start(x);
    w.put('urgent', { priority: 100 });
    await settle();
    expect(g.running()).toEqual(['a']);
    wa.send({ type: 'service.hard-reset' });
    await settle();
    // The freed slot goes to o1; `urgent` runs past the limit, as unthrottled; `a` waits.
    expect(g.running().sort()).toEqual(['o1', 'urgent']);
    expect(pool.stats()).toMatchObject({ inUse: 2, waiting: {} });
    expect(w.pending()).toEqual(['a']);
    g.finish('urgent');
    await settle();
    expect(g.running()).toEqual(['o1']);
    expect(pool.stats()).toMatchObject({ inUse: 1, waiting: { '0': 1 } });
    g.finish('o1');
    await settle();
    expect(g.running()).toEqual(['a']);
    expect(g.started).toEqual(['a', 'o1', 'urgent', 'a']);
  });

  it('a task handed back at a hard reset keeps its own high priority: a reserve for it lets it start again', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 2, reserve: { 10: 1 } });
    const z = createQueueWorker({ id: 'z', logger, pool, handle: g.handle });
    const w = createQueueWorker({ id: 'w', logger, pool, handle: g.handle });
    z.put('z1');
    start(z);
    await settle();
    w.put('high', { priority: 10 });
    const wa = start(w);
    await settle();
    w.put('low');
    expect(g.running()).toEqual(['z1', 'high']);
    wa.send({ type: 'service.hard-reset' });
    await settle();
    // One slot in use (z1), the reserved one free: `high` takes it again, `low` waits.
    expect(g.started).toEqual(['z1', 'high', 'high']);
    expect(pool.stats()).toMatchObject({ inUse: 2, waiting: {} });
    expect(w.pending()).toEqual(['low']);
  });

  it('shows a task handed back at its own priority in the pool figures', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 1 });
    const w = createQueueWorker({ id: 'w', logger, pool, handle: g.handle });
    const x = createQueueWorker({ id: 'x', logger, pool, handle: g.handle });
    w.put('a', { priority: 5 });
    const wa = start(w);
    await settle();
    w.put('b');
    x.put('x1', { priority: 7 });
    start(x);
    await settle();
    wa.send({ type: 'service.hard-reset' });
    await settle();
    expect(g.running()).toEqual(['x1']);
    expect(pool.stats().waiting).toEqual({ '5': 1, '0': 1 });
    expect(w.pending()).toEqual(['a', 'b']);
  });

  it('a task given just as its actor stops goes back first in line, before the tasks behind it', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 1 });
    const w = createQueueWorker({ id: 'w', logger, pool, stopPolicy: 'discard', handle: g.handle });
    const first = start(w);
    const second = start(w);
    await settle();
    // Both actors wait in the pool: the first gets w1, then stops before it can start it.
    w.put('w1');
    w.put('w2');
    first.send({ type: 'service.stop' });
    await settle();
    expect(first.getSnapshot().value).toBe('stopped');
    expect(second.getSnapshot().matches('running')).toBe(true);
    expect(g.started).toEqual(['w1']);
    expect(w.pending()).toEqual(['w2']);
    expect(pool.stats().inUse).toBe(1);
  });
});

describe('task pool: a memory queue given as `queue`', () => {
  it('a task put straight into the queue wakes the pool and starts', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 2 });
    const queue = createMemoryQueue<string>({ capacity: 10 });
    const w = createQueueWorker({ id: 'w', logger, pool, queue, handle: g.handle });
    start(w);
    await settle();
    expect(queue.put('direct', 0)).toBe(true);
    await settle();
    expect(g.running()).toEqual(['direct']);
    expect(queue.size).toBe(0);
    expect(pool.stats().inUse).toBe(1);
  });

  it('a task put straight into the queue is ordered by priority with the tasks put on the worker', async () => {
    const g = gates();
    const pool = createTaskPool({ concurrency: 1 });
    const queue = createMemoryQueue<string>();
    const w = createQueueWorker({ id: 'w', logger, pool, queue, handle: g.handle });
    w.put('first');
    start(w);
    await settle();
    w.put('low');
    queue.put('high', 3);
    expect(w.pending()).toEqual(['high', 'low']);
    g.finish('first');
    await settle();
    expect(g.running()).toEqual(['high']);
  });
});
