/**
 * Simulated time changes when things happen, never what happens: a small tree gives the same
 * reports, in the same order, on the real clock and in a test system.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  createService,
  createSupervisor,
  type SupervisorReport,
  type SupervisorReportType,
  shutdown,
  silentLogger,
} from '../../src/index.ts';
import { createTestSystem } from '../../src/testing/index.ts';
import { HANG_GUARD } from '../helpers/real-time.ts';

const TYPES: SupervisorReportType[] = [
  'child.started',
  'child.failed',
  'child.restarted',
  'child.stopped',
  'child.killed',
  'supervisor.intensity-exceeded',
];

/**
 * A poller failing at its second iteration, restarted with its sibling (one-for-all) until
 * the fourth failure exceeds maxRestarts and escalates. The window is far longer than the run,
 * so the outcome hangs on the count, not on how fast a loaded machine runs it.
 */
function stormTree() {
  const poller = createService({
    id: 'poller',
    minPeriod: 20,
    maxFailures: 0,
    iterate(ctx) {
      if (ctx.iteration === 1) throw new Error('upstream down');
    },
  });
  const sibling = createService({ id: 'sibling', minPeriod: 20, iterate() {} });
  const workers = createSupervisor({
    id: 'workers',
    strategy: 'one-for-all',
    maxRestarts: 3,
    restartWindow: 600_000,
    children: [poller, sibling],
  });
  return createSupervisor({
    id: 'root',
    maxRestarts: 0,
    children: [workers],
    logger: silentLogger,
  });
}

const line = (r: SupervisorReport) =>
  `${r.type} ${r.path.join('/')} gen ${r.generation}${r.reason instanceof Error ? ` ${r.reason.message}` : ` ${String(r.reason ?? '')}`}`;

async function realTimeline(): Promise<string[]> {
  const reports: SupervisorReport[] = [];
  const actor = createActor(stormTree());
  for (const type of TYPES) actor.on(type, (r) => reports.push(r as SupervisorReport));
  const ended = new Promise<void>((resolve, reject) => {
    const guard = setTimeout(
      () => reject(new Error('the real-time run did not fail in time')),
      HANG_GUARD,
    );
    actor.subscribe(() => {
      if ((actor.getSnapshot() as { value: unknown }).value === 'failed') {
        clearTimeout(guard);
        resolve();
      }
    });
  });
  actor.start();
  try {
    await ended;
  } finally {
    await shutdown(actor);
  }
  return reports.map(line);
}

describe('simulated and real timelines', () => {
  it('gives the same reports in the same order as a run on the real clock', async () => {
    const real = await realTimeline();
    const t = createTestSystem(stormTree(), { now: 0 });
    try {
      await t.start();
      await t.waitFor([], 'failed', { timeout: 10_000 });
      expect(t.reports.map(line)).toEqual(real);
      expect(real.filter((l) => l.startsWith('child.restarted workers/poller'))).toHaveLength(3);
      expect(real.at(-1)).toMatch(/^supervisor\.intensity-exceeded /);
    } finally {
      await t.shutdown();
    }
  });
});
