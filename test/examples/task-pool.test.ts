/**
 * Runs the task pool example in its own Node process, as a user would, and checks the lines
 * that tell its story: the order of starts, the pool full and over its limit, its figures in
 * the tree and on /metrics, and the task of a worker stopped while it waited.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

const lines = (out: string) => out.split('\n').map((l) => l.trim());

describe('task-pool example', () => {
  it('keeps a slot for priority 10, runs the alarm over the limit, and gives free slots by priority then age', async () => {
    const { code, stdout, stderr } = await runExample('task-pool', { timeout: 30_000 });
    expect(code, stderr).toBe(0);
    const out = lines(stdout);
    expect(out.filter((l) => l.startsWith('start '))).toEqual([
      'start report-1 (pool: 1 in use of 2)',
      'start order-1 (pool: 2 in use of 2)',
      'start alarm (pool: 3 in use of 2)',
      'start order-2 (pool: 1 in use of 2)',
      'start report-2 (pool: 1 in use of 2)',
      'start report-3 (pool: 1 in use of 2)',
    ]);
    // report-2 waited until every slot of priority 10 and 100 was back.
    expect(out.indexOf('start report-2 (pool: 1 in use of 2)')).toBeGreaterThan(
      out.findIndex((l) => l.startsWith('6. ')),
    );
    expect(out).toContain('exports stopped; still queued: export-1');
    expect(out).toContain(
      'tree: shop/orders pool {"name":"db","inUse":3,"limit":2,"waiting":{"0":2,"10":1}}',
    );
    expect(out).toContain('metrics: xstate_supervisor_pool_in_use{pool="db"} 3');
    expect(out).toContain('metrics: xstate_supervisor_pool_limit{pool="db"} 2');
    expect(out).toContain('metrics: xstate_supervisor_pool_waiting{pool="db",priority="10"} 1');
    expect(out).toContain('metrics: xstate_supervisor_pool_waiting{pool="db",priority="0"} 2');
    expect(out).toContain('pool at the end: {"name":"db","inUse":0,"limit":2,"waiting":{}}');
    expect(out).not.toContain('start export-1');
    expect(out.at(-2)).toBe('done');
  });
});
