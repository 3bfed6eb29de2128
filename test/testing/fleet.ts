/**
 * A 50-service tree for an hour of simulated time: 20 periodic services (both schedules),
 * 10 cron jobs (two time zones) and 20 loops, 10 of which fail every 30 s and are restarted.
 * Shared by its test (behaviour) and bench/testing.ts (wall time).
 */
import {
  createCronService,
  createPeriodicService,
  createService,
  createSupervisor,
  type SupervisorMachine,
} from '../../src/index.ts';

/** How many times each service ran (periodic and cron runs, loop iterations). */
export interface FleetCounts {
  readonly runs: Map<string, number>;
}

export function createFleet(): { root: SupervisorMachine; counts: FleetCounts } {
  const runs = new Map<string, number>();
  const count = (id: string) => runs.set(id, (runs.get(id) ?? 0) + 1);
  const periodic = Array.from({ length: 20 }, (_, i) => {
    const id = `periodic-${i}`;
    return i < 10
      ? createPeriodicService({ id, every: 10_000, run: () => count(id) })
      : createPeriodicService({ id, every: 15_000, schedule: 'fixed-rate', run: () => count(id) });
  });
  const cron = Array.from({ length: 10 }, (_, i) => {
    const id = `cron-${i}`;
    const timezone = i % 2 === 0 ? 'UTC' : 'Europe/Paris';
    return createCronService({ id, cron: '*/5 * * * *', timezone, run: () => count(id) });
  });
  const loops = Array.from({ length: 20 }, (_, i) => {
    const id = `loop-${i}`;
    const failing = i % 2 === 1;
    return createService({
      id,
      minPeriod: 1_000,
      maxFailures: 0,
      iterate(ctx) {
        count(id);
        if (failing && ctx.iteration === 30) throw new Error('upstream timed out');
      },
    });
  });
  const root = createSupervisor({
    id: 'root',
    strategy: 'one-for-one',
    children: [
      createSupervisor({ id: 'periodic', strategy: 'one-for-one', children: periodic }),
      createSupervisor({ id: 'cron', strategy: 'one-for-one', children: cron }),
      createSupervisor({
        id: 'loops',
        strategy: 'one-for-one',
        maxRestarts: 20,
        restartWindow: 5_000,
        backoff: { initial: 1_000, max: 10_000, jitter: 0 },
        children: loops,
      }),
    ],
  });
  return { root, counts: { runs } };
}
