/**
 * An hour of simulated time of a 50-service tree: every schedule keeps its cadence and every
 * failing loop is restarted on time. Behaviour only; the wall time is in bench/testing.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestSystem, type TestSystem } from '../../src/testing/index.ts';
import { createFleet } from './fleet.ts';

let t: TestSystem | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

const HOUR = 3_600_000;

describe('an hour of a 50-service tree on simulated time', () => {
  it('keeps every periodic, cron and loop cadence and restarts each failing loop on time', async () => {
    const { root, counts } = createFleet();
    t = createTestSystem(root, { now: Date.parse('2026-03-29T00:00:00Z') });
    await t.start();
    await t.advance(HOUR);
    const runs = (id: string) => counts.runs.get(id);
    for (let i = 0; i < 10; i++) expect(runs(`periodic-${i}`)).toBe(361); // 0, 10 s, ... 3600 s
    for (let i = 10; i < 20; i++) expect(runs(`periodic-${i}`)).toBe(241); // 0, 15 s, ... 3600 s
    for (let i = 0; i < 10; i++) expect(runs(`cron-${i}`)).toBe(12); // 00:05 ... 01:00
    const loops = t.tree().children?.find((c) => c.id === 'loops')?.children ?? [];
    for (const [i, loop] of loops.entries()) {
      expect(loop.state).toBe('running');
      // A failing loop fails at 30 s of each run and restarts 1 s later: a run every 31 s.
      expect(loop.generation).toBe(i % 2 === 1 ? 116 : 0);
    }
    const restarts = t.reports.filter((r) => r.type === 'child.restarted');
    expect(restarts).toHaveLength(10 * 116);
    expect(restarts[0]?.time).toBe(Date.parse('2026-03-29T00:00:31Z'));
    expect(t.reports.some((r) => r.type === 'supervisor.intensity-exceeded')).toBe(false);
  });
});
