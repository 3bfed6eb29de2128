/**
 * Recipe (docs/recipes/testing-a-tree.md): testing a supervision tree with vitest's fake
 * timers. Simulated time drives the services' pacing, the restarts' backoff and the cron
 * schedule, so the tests take milliseconds and never depend on the machine's load.
 *
 * Run: npx vitest run --config examples/recipes/testing-a-tree/vitest.config.ts
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AnyActorRef, createActor } from 'xstate';
import {
  createCronService,
  createService,
  createSupervisor,
  getTree,
  type SupervisorReport,
  shutdown,
  silentLogger,
} from '../../../src/index.ts';

/** Moves simulated time by `ms` in 10 ms steps, so a restart's turn of the event loop keeps up. */
async function advance(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) await vi.advanceTimersByTimeAsync(10);
}

/** Every tree a test started, for afterEach. */
const started: AnyActorRef[] = [];

/** Starts `root` with its reports recorded as `type path@generation`. */
function start(root: ReturnType<typeof createSupervisor>) {
  const actor = createActor(root);
  const reports: string[] = [];
  actor.on('*', (event) => {
    const r = event as unknown as SupervisorReport;
    reports.push(`${r.type} ${r.path.join('/')}@${r.generation}`);
  });
  actor.start();
  started.push(actor);
  return { actor, reports };
}

beforeEach(() => {
  vi.useFakeTimers(); // setTimeout, setInterval, setImmediate and Date, all simulated
});

afterEach(async () => {
  // Stop every tree, moving simulated time so that the graceful stops can complete.
  for (const actor of started.splice(0)) {
    const stopped = shutdown(actor);
    await advance(6_000);
    await stopped;
  }
  vi.useRealTimers();
});

describe('orders tree', () => {
  it('restarts the poller after a failure, and the api with it (rest-for-one)', async () => {
    let failNext = false; // the test decides when the upstream breaks, once
    const poller = createService({
      id: 'poller',
      minPeriod: 1_000,
      maxFailures: 0,
      iterate() {
        if (!failNext) return;
        failNext = false;
        throw new Error('upstream down');
      },
    });
    const api = createService({ id: 'api', minPeriod: 1_000, iterate() {} });
    const { actor, reports } = start(
      createSupervisor({
        id: 'root',
        strategy: 'rest-for-one',
        logger: silentLogger, // keep the test output quiet; the reports say what happened
        children: [poller, api],
      }),
    );
    await advance(1_500);
    failNext = true;
    await advance(1_100); // the poller's next iteration fails; the restarts follow at once

    expect(reports).toEqual([
      'child.started poller@0',
      'child.started api@0',
      'child.failed poller@0',
      'child.stopped api@0',
      'child.restarted poller@1',
      'child.restarted api@1',
    ]);
    expect(getTree(actor).children?.map((c) => `${c.id} ${c.state}`)).toEqual([
      'poller running',
      'api running',
    ]);
  });

  it('gives up after more than maxRestarts restarts within the window', async () => {
    const broken = createService({
      id: 'broken',
      maxFailures: 0,
      minPeriod: 100,
      iterate() {
        throw new Error('always');
      },
    });
    const { actor, reports } = start(
      createSupervisor({
        id: 'root',
        maxRestarts: 3,
        restartWindow: 5_000,
        backoff: { initial: 100, max: 1_000, jitter: 0 }, // 100, 200, 400 ms: deterministic
        logger: silentLogger,
        children: [broken],
      }),
    );
    await advance(2_000);

    expect(reports.filter((r) => r.startsWith('child.restarted'))).toHaveLength(3);
    expect(reports.at(-1)).toBe('supervisor.intensity-exceeded @0');
    expect(getTree(actor).state).toBe('failed');
  });

  it('runs the nightly job at 02:30 Paris time', async () => {
    vi.setSystemTime(new Date('2026-06-01T00:00:00Z')); // 02:00 in Paris (summer time)
    const runs: string[] = [];
    const { actor } = start(
      createSupervisor({
        id: 'root',
        logger: silentLogger,
        children: [
          createCronService({
            id: 'nightly',
            cron: '0 30 2 * * *',
            timezone: 'Europe/Paris',
            run: () => void runs.push(new Date().toISOString()),
          }),
        ],
      }),
    );
    await advance(29 * 60_000); // 02:29: nothing yet
    expect(runs).toEqual([]);
    await advance(2 * 60_000);

    expect(runs).toEqual(['2026-06-01T00:30:00.000Z']);
    expect(getTree(actor).children?.[0]?.details).toMatchObject({
      next: ['2026-06-02T00:30:00.000Z', '2026-06-03T00:30:00.000Z', '2026-06-04T00:30:00.000Z'],
    });
  });
});
