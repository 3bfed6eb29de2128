/**
 * A task pool shared by workers under different supervisors of one tree, seen from outside:
 * each worker's `getTree()` details and the control server's `/metrics` on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest';
import { createQueueWorker, createSupervisor, createTaskPool } from '../../src/index.ts';
import {
  closeServedAfterEach,
  eventually,
  get,
  nodeAt,
  sample,
  serve,
} from '../control/server-helpers.ts';
import { gates } from './task-pool-helpers.ts';

closeServedAfterEach();

describe('task pool in a tree', () => {
  it('is shared by workers in different supervisors, and shows in getTree() and /metrics', async () => {
    const g = gates();
    const pool = createTaskPool({ name: 'shared', concurrency: 1 });
    const a = createQueueWorker({ id: 'a', pool, handle: g.handle });
    const b = createQueueWorker({ id: 'b', pool, concurrency: 2, handle: g.handle });
    a.put('a1');
    b.put('b-low');
    b.put('b-high', { priority: 5 });
    const s = await serve({
      id: 'root',
      strategy: 'one-for-one',
      children: [
        createSupervisor({ id: 'left', children: [a] }),
        createSupervisor({ id: 'right', children: [b] }),
      ],
    });
    await eventually(() => expect(g.running()).toEqual(['a1']));
    const figures = { name: 'shared', inUse: 1, limit: 1, waiting: { '5': 1, '0': 1 } };
    expect(nodeAt(s.actor, 'left/a').details).toMatchObject({ inFlight: 1, pool: figures });
    expect(nodeAt(s.actor, 'right/b').details).toMatchObject({ inFlight: 0, pool: figures });

    const metrics = (await get(s.url, '/metrics')).text;
    expect(sample(metrics, 'xstate_supervisor_pool_in_use', { pool: 'shared' })).toBe(1);
    expect(sample(metrics, 'xstate_supervisor_pool_limit', { pool: 'shared' })).toBe(1);
    expect(
      sample(metrics, 'xstate_supervisor_pool_waiting', { pool: 'shared', priority: '5' }),
    ).toBe(1);
    expect(
      sample(metrics, 'xstate_supervisor_pool_waiting', { pool: 'shared', priority: '0' }),
    ).toBe(1);

    // a's slot goes to the other supervisor's worker, its most urgent task first.
    g.finish('a1');
    await eventually(() => expect(g.running()).toEqual(['b-high']));
    g.finish('b-high');
    await eventually(() => expect(g.running()).toEqual(['b-low']));
    g.finish('b-low');
    await eventually(() => expect(pool.stats()).toMatchObject({ inUse: 0, waiting: {} }));
    expect(g.started).toEqual(['a1', 'b-high', 'b-low']);
    const after = (await get(s.url, '/metrics')).text;
    expect(sample(after, 'xstate_supervisor_pool_in_use', { pool: 'shared' })).toBe(0);
    expect(after).not.toContain('xstate_supervisor_pool_waiting{');
  });
});
