/**
 * What a task pool costs a queue worker: tasks per second of one worker (concurrency 4, an
 * async handler that does nothing) sharing a pool of ample size (it never throttles), against
 * the same worker with no pool, measured in the same run, rounds alternated. Also four workers
 * sharing one ample pool against four with none, where every slot goes through the pool's
 * choice among waiting workers; and four workers held to 4 handlers in all by a pool (it throttles:
 * each slot freed goes to the waiting worker whose task is oldest) against four with none.
 */
import { createActor } from 'xstate';
import { shutdown } from '../src/actors/shutdown.ts';
import { silentLogger } from '../src/core/logger.ts';
import { createQueueWorker } from '../src/kinds/queue-worker.ts';
import { createTaskPool } from '../src/kinds/task-pool.ts';
import {
  type Bench,
  fmtInt,
  fmtRatio,
  gc,
  type Headline,
  machineLine,
  median,
  printTable,
  runIfMain,
} from './harness.ts';

const TASKS = Number(process.env.TASK_POOL_TASKS ?? 100_000);
const ROUNDS = Number(process.env.TASK_POOL_ROUNDS ?? 5);

/** Tasks per second of `workers` queue workers handling TASKS tasks in all. */
async function throughput(workers: number, poolSize: number | undefined): Promise<number> {
  const pool = poolSize === undefined ? undefined : createTaskPool({ concurrency: poolSize });
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const machines = Array.from({ length: workers }, (_, i) =>
    createQueueWorker({
      id: `w${i}`,
      logger: silentLogger,
      concurrency: 4,
      ...(pool ? { pool } : {}),
      handle: async () => {
        if (++done === TASKS) finish();
      },
    }),
  );
  for (let t = 0; t < TASKS; t++) machines[t % workers]!.put(t);
  gc();
  const t0 = performance.now();
  const actors = machines.map((m) => createActor(m).start());
  await finished;
  const ms = performance.now() - t0;
  await Promise.all(actors.map((a) => shutdown(a)));
  return (TASKS / ms) * 1_000;
}

const bench: Bench = {
  name: 'task-pool',
  title: 'Task pool: a queue worker with an ample pool vs none',
  async run(): Promise<Headline[]> {
    console.log(machineLine());
    console.log(`${fmtInt(TASKS)} tasks per round, ${ROUNDS} rounds, medians\n`);
    const AMPLE = 1_000_000;
    const cases = [
      { label: '1 worker, ample pool', workers: 1, size: AMPLE },
      { label: '4 workers, ample pool', workers: 4, size: AMPLE },
      { label: '4 workers, pool of 4 (throttling)', workers: 4, size: 4 },
    ];
    const rows: string[][] = [];
    const ratios: number[] = [];
    // A warm-up round of each, so the JIT has seen both paths before anything counts.
    for (const c of cases) {
      await throughput(c.workers, undefined);
      await throughput(c.workers, c.size);
    }
    for (const c of cases) {
      const none: number[] = [];
      const pooled: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        none.push(await throughput(c.workers, undefined));
        pooled.push(await throughput(c.workers, c.size));
      }
      const base = median(none);
      const withPool = median(pooled);
      ratios.push(withPool / base);
      rows.push([c.label, fmtInt(base), fmtInt(withPool), fmtRatio(withPool, base)]);
    }
    printTable(['workers (concurrency 4 each)', 'no pool /s', 'with pool /s', 'pool / none'], rows);
    const [one, four, throttled] = ratios as [number, number, number];
    return [
      {
        metric: 'one worker, ample pool / no pool (tasks/s)',
        value: `${one.toFixed(2)}x`,
        target: '>= 0.8x',
        met: one >= 0.8,
      },
      { metric: 'four workers, ample pool / no pool (tasks/s)', value: `${four.toFixed(2)}x` },
      {
        metric: 'four workers, pool of 4 / no pool (tasks/s)',
        value: `${throttled.toFixed(2)}x`,
      },
    ];
  },
};

runIfMain(import.meta, bench);
