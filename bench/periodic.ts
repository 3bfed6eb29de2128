/**
 * Periodic timing, real time: how far each scheduler's ticks drift from an absolute grid.
 *
 * 10 ms period, 500 ticks (5 s) per variant, ROUNDS interleaved rounds:
 * - ours, fixed-rate: `createPeriodicService({ every: 10, delay: 10, schedule: 'fixed-rate' })`
 * - ours, fixed-delay: the same with `schedule: 'fixed-delay'` (aiomisc's rule), for contrast
 * - setInterval(fn, 10)
 * - toad-scheduler: `SimpleIntervalJob({ milliseconds: 10 }, new Task(...))`
 * Tick k (1-based) is expected at t0 + k·10, t0 taken just before the scheduler is started.
 *
 * croner cannot tick every 10 ms: its finest pattern field is seconds, and its `interval`
 * option is a minimum spacing in whole-second steps on top of the pattern. So croner (and our
 * cron service, which uses croner's fire times) run `* * * * * *` for TICKS_1S ticks of 1 s;
 * tick k is expected at croner's k-th fire time (wall clock).
 *
 * Lateness of a tick = actual start − expected start; "tick N − expected" is the last tick's
 * lateness (the total drift); "growth" is how much later tick N is than tick 1 (what
 * accumulates, without the constant start-up offset). Each callback only records
 * `performance.now()`; nothing else runs.
 */
import { Cron } from 'croner';
import { SimpleIntervalJob, Task, ToadScheduler } from 'toad-scheduler';
import { createActor } from 'xstate';
import { silentLogger } from '../src/core/logger.ts';
import { createCronService } from '../src/kinds/cron.ts';
import { createPeriodicService } from '../src/kinds/periodic.ts';
import type { PeriodicState } from '../src/kinds/periodic-schedule.ts';
import { localOf } from '../src/kinds/scheduled-state.ts';
import {
  type Bench,
  fmtMs,
  type Headline,
  machineLine,
  median,
  printTable,
  runIfMain,
  sleep,
} from './harness.ts';

const EVERY = 10;
const TICKS = 500;
const ROUNDS = Number(process.env.PERIODIC_ROUNDS ?? 3);
const TICKS_1S = 5;

/** One run of one variant: when it started, and when each tick ran (performance.now()). */
interface Run {
  readonly expected: readonly number[];
  readonly actual: readonly number[];
  /** Grid slots with no run (fixed rate skips the slots a late run overran). */
  readonly skipped?: number;
}

function grid(t0: number, every: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => t0 + (k + 1) * every);
}

/** Collects `n` ticks, calling `stop` after the last one. */
function ticker(n: number): { tick(): boolean; times: number[]; done: Promise<void> } {
  const times: number[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  return {
    times,
    done,
    tick() {
      times.push(performance.now());
      if (times.length < n) return false;
      resolve();
      return true;
    },
  };
}

async function ours(schedule: 'fixed-rate' | 'fixed-delay', n: number): Promise<Run> {
  const actual: number[] = [];
  const slots: number[] = [];
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const machine = createPeriodicService({
    id: 'bench',
    every: EVERY,
    delay: EVERY,
    schedule,
    logger: silentLogger,
    run(ctx) {
      actual.push(performance.now());
      // The grid slot this run stands for: a late run makes fixed rate skip slots, so run k
      // is not always slot k. Fixed delay has no grid: run k is tick k.
      const slot = schedule === 'fixed-rate' ? localOf<PeriodicState>(ctx).slot : slots.length;
      slots.push(slot);
      if (slot >= n - 1) {
        ctx.stop();
        finished();
      }
    },
  });
  const t0 = performance.now();
  const actor = createActor(machine).start();
  await done;
  await sleep(EVERY);
  actor.stop();
  const expected = slots.map((slot) => t0 + (slot + 1) * EVERY);
  return schedule === 'fixed-rate'
    ? { expected, actual, skipped: n - slots.length }
    : { expected, actual };
}

async function interval(n: number): Promise<Run> {
  const t = ticker(n);
  const t0 = performance.now();
  const handle = setInterval(() => {
    if (t.tick()) clearInterval(handle);
  }, EVERY);
  await t.done;
  return { expected: grid(t0, EVERY, n), actual: t.times };
}

async function toad(n: number): Promise<Run> {
  const t = ticker(n);
  const scheduler = new ToadScheduler();
  const task = new Task('tick', () => {
    if (t.tick()) scheduler.stop();
  });
  const t0 = performance.now();
  scheduler.addSimpleIntervalJob(new SimpleIntervalJob({ milliseconds: EVERY }, task));
  await t.done;
  return { expected: grid(t0, EVERY, n), actual: t.times };
}

/**
 * `Date.now() − performance.now()`, read on a millisecond edge of `Date.now()` so it is exact
 * to a few µs: turns croner's wall-clock fire times into performance.now() times.
 */
function wallOffset(): number {
  const start = Date.now();
  let now = start;
  while (now === start) now = Date.now();
  return now - performance.now();
}

/** Waits until the wall clock is 300 ms into a second, so no fire time is near the start. */
async function midSecond(): Promise<void> {
  await sleep((1_300 - (Date.now() % 1_000)) % 1_000);
}

async function cronerJob(n: number): Promise<Run> {
  await midSecond();
  const offset = wallOffset();
  const t = ticker(n);
  const job = new Cron('* * * * * *', () => {
    if (t.tick()) job.stop();
  });
  const expected = job.nextRuns(n).map((d) => d.getTime() - offset);
  await t.done;
  return { expected, actual: t.times };
}

async function oursCron(n: number): Promise<Run> {
  await midSecond();
  const offset = wallOffset();
  const t = ticker(n);
  const expected = new Cron('* * * * * *').nextRuns(n).map((d) => d.getTime() - offset);
  const actor = createActor(
    createCronService({
      id: 'bench-cron',
      cron: '* * * * * *',
      logger: silentLogger,
      run(ctx) {
        if (t.tick()) ctx.stop();
      },
    }),
  ).start();
  await t.done;
  await sleep(EVERY);
  actor.stop();
  return { expected, actual: t.times };
}

interface Figures {
  /** Lateness of the last tick (total drift). */
  readonly last: number;
  /** Lateness of the last tick minus that of the first. */
  readonly growth: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly skipped: number | undefined;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
}

function figures(run: Run): Figures {
  const late = run.actual.map((a, k) => a - (run.expected[k] as number));
  const sorted = [...late].sort((a, b) => a - b);
  return {
    last: late.at(-1) as number,
    growth: (late.at(-1) as number) - (late[0] as number),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) as number,
    skipped: run.skipped,
  };
}

interface Variant {
  readonly label: string;
  readonly ticks: string;
  readonly run: () => Promise<Run>;
  readonly results: Figures[];
}

const variants: Variant[] = [
  {
    label: 'ours, fixed-rate',
    ticks: `${TICKS} x ${EVERY} ms`,
    run: () => ours('fixed-rate', TICKS),
    results: [],
  },
  {
    label: 'ours, fixed-delay',
    ticks: `${TICKS} x ${EVERY} ms`,
    run: () => ours('fixed-delay', TICKS),
    results: [],
  },
  {
    label: 'setInterval',
    ticks: `${TICKS} x ${EVERY} ms`,
    run: () => interval(TICKS),
    results: [],
  },
  {
    label: 'toad-scheduler SimpleIntervalJob',
    ticks: `${TICKS} x ${EVERY} ms`,
    run: () => toad(TICKS),
    results: [],
  },
];

const slow: Variant[] = [
  {
    label: 'croner `* * * * * *`',
    ticks: `${TICKS_1S} x 1 s`,
    run: () => cronerJob(TICKS_1S),
    results: [],
  },
  {
    label: 'ours, cron `* * * * * *`',
    ticks: `${TICKS_1S} x 1 s`,
    run: () => oursCron(TICKS_1S),
    results: [],
  },
];

const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${fmtMs(ms)}`;
type Timing = Exclude<keyof Figures, 'skipped'>;
const med = (v: Variant, key: Timing) => median(v.results.map((r) => r[key]));

export const bench: Bench = {
  name: 'periodic',
  title: `Periodic timing: ${TICKS} ticks of ${EVERY} ms, real time`,
  async run(): Promise<Headline[]> {
    console.log(machineLine());
    console.log(
      `${ROUNDS} interleaved rounds per 10 ms variant (median shown); 1 round of the 1 s ones.\n`,
    );
    for (const v of variants) await v.run(); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) v.results.push(figures(await v.run()));
    }
    for (const v of slow) v.results.push(figures(await v.run()));
    printTable(
      [
        'variant',
        'ticks',
        'tick N − expected',
        'growth tick 1→N',
        'p50 late',
        'p99 late',
        'max late',
        'slots skipped',
      ],
      [...variants, ...slow].map((v) => [
        v.label,
        v.ticks,
        signed(med(v, 'last')),
        signed(med(v, 'growth')),
        signed(med(v, 'p50')),
        signed(med(v, 'p99')),
        signed(med(v, 'max')),
        v.results.some((r) => r.skipped !== undefined)
          ? v.results.map((r) => r.skipped ?? 0).join(' / ')
          : '—',
      ]),
    );
    const perRound = (key: Timing) =>
      variants
        .map((v) => `${v.label}: ${v.results.map((r) => signed(r[key])).join(' / ')}`)
        .join('; ');
    console.log(`\nPer round, tick N − expected: ${perRound('last')}`);
    console.log(`Per round, p99 lateness: ${perRound('p99')}`);
    const [rate] = variants as [Variant];
    const drift = med(rate, 'last');
    const p99 = med(rate, 'p99');
    const worstDrift = Math.max(...rate.results.map((r) => Math.abs(r.last)));
    const worstP99 = Math.max(...rate.results.map((r) => r.p99));
    return [
      {
        metric: `fixed-rate drift, ${TICKS} x ${EVERY} ms (median; worst ${signed(worstDrift)})`,
        value: signed(drift),
        target: '< 2 ms',
        met: Math.abs(drift) < 2,
      },
      {
        metric: `fixed-rate p99 lateness (median; worst ${signed(worstP99)})`,
        value: signed(p99),
        target: '< 3 ms',
        met: p99 < 3,
      },
      ...[...variants.slice(1), ...slow].map((v) => ({
        metric: `${v.label} drift (${v.ticks})`,
        value: signed(med(v, 'last')),
      })),
    ];
  },
};

runIfMain(import.meta, bench);
