/**
 * Empty iterations, back to back (`minPeriod: 0, pause: 0`): how many iterations per second a
 * lone service runs, against raw loops measured in the same run.
 *
 * - raw async: `while (running) await cycle()`, `cycle` an empty async function. It never
 *   yields to the macrotask queue, so no timer can stop it: it stops itself by reading
 *   `performance.now()` every 1024 iterations.
 * - raw async + yield: the same loop, yielding with `setImmediate` as the service does
 *   (every 1024 iterations, or after 8 ms); stopped by a timer that clears `running`.
 *   Likewise raw sync + yield.
 * - service async / sync: `createActor(createService({ iterate }))`, counting in `iterate`;
 *   stopped by a timer that sends `service.stop`.
 * - raw sync: `while (running) cycle()`, `cycle` an empty function; stopped like raw async.
 *
 * Each variant runs ROUNDS windows of WINDOW_MS, interleaved; the median rate is reported. A
 * 10 ms probe timer is armed at the start of each window: when it fires shows whether the loop
 * lets timers run.
 */
import { createActor } from 'xstate';
import { createService, silentLogger } from '../src/index.ts';
import {
  type Bench,
  fmtInt,
  fmtMs,
  fmtRatio,
  type Headline,
  machineLine,
  median,
  printTable,
  runIfMain,
  sleep,
  waitAll,
} from './harness.ts';

const WINDOW_MS = 800;
const WARMUP_MS = 100;
const ROUNDS = 3;
const PROBE_MS = 10;

interface Sample {
  /** Iterations per second in the window. */
  readonly rate: number;
  /** When the 10 ms probe timer fired, after the start of the window. */
  readonly probe: number;
}

/** Arms the probe timer; returns a function reading when it fired (or now, if it has not). */
function armProbe(t0: number): () => number {
  let firedAt: number | undefined;
  setTimeout(() => {
    firedAt = performance.now();
  }, PROBE_MS);
  return () => (firedAt ?? performance.now()) - t0;
}

async function rawAsync(ms: number): Promise<Sample> {
  const cycle = async (): Promise<void> => {};
  const t0 = performance.now();
  const probe = armProbe(t0);
  const deadline = t0 + ms;
  let n = 0;
  for (;;) {
    await cycle();
    if ((++n & 1023) === 0 && performance.now() >= deadline) break;
  }
  const elapsed = performance.now() - t0;
  await sleep(0); // let the probe fire if it has not
  return { rate: (n * 1000) / elapsed, probe: probe() };
}

/** Decides when a raw loop yields to the event loop, exactly as the service's loop does. */
class Yield {
  private n = 0;
  private last = performance.now();
  due(): boolean {
    if ((++this.n & 15) !== 0) return false;
    const now = performance.now();
    if (now - this.last < 8 && (this.n & 1023) !== 0) return false;
    this.last = now;
    return true;
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

// Two copies on purpose: one loop shared by both cycles would make the call site polymorphic.
async function rawAsyncYielding(ms: number): Promise<Sample> {
  const cycle = async (): Promise<void> => {};
  const y = new Yield();
  let running = true;
  let n = 0;
  const t0 = performance.now();
  const probe = armProbe(t0);
  setTimeout(() => {
    running = false;
  }, ms);
  while (running) {
    await cycle();
    n++;
    if (y.due()) await turn();
  }
  return { rate: (n * 1000) / (performance.now() - t0), probe: probe() };
}

async function rawSyncYielding(ms: number): Promise<Sample> {
  const cycle = (): void => {};
  const y = new Yield();
  let running = true;
  let n = 0;
  const t0 = performance.now();
  const probe = armProbe(t0);
  setTimeout(() => {
    running = false;
  }, ms);
  while (running) {
    cycle();
    n++;
    if (y.due()) await turn();
  }
  return { rate: (n * 1000) / (performance.now() - t0), probe: probe() };
}

async function rawSync(ms: number): Promise<Sample> {
  const cycle = (): void => {};
  const t0 = performance.now();
  const probe = armProbe(t0);
  const deadline = t0 + ms;
  let n = 0;
  for (;;) {
    cycle();
    if ((++n & 1023) === 0 && performance.now() >= deadline) break;
  }
  const elapsed = performance.now() - t0;
  await sleep(0);
  return { rate: (n * 1000) / elapsed, probe: probe() };
}

type Snap = { value: unknown };
const isRunning = (a: { getSnapshot(): Snap }) => {
  const v = a.getSnapshot().value;
  return typeof v === 'object' && v !== null && 'running' in v;
};
const isStopped = (a: { getSnapshot(): Snap }) => a.getSnapshot().value === 'stopped';

async function service(kind: 'async' | 'sync', ms: number): Promise<Sample> {
  let count = 0;
  const iterate =
    kind === 'async'
      ? async () => {
          count++;
        }
      : () => {
          count++;
        };
  const actor = createActor(
    createService({ id: `loop-${kind}`, iterate, logger: silentLogger }),
  ).start();
  await waitAll([actor], isRunning, 'the service to run');
  const c0 = count;
  const t0 = performance.now();
  const probe = armProbe(t0);
  await sleep(ms);
  const c1 = count;
  const elapsed = performance.now() - t0;
  actor.send({ type: 'service.stop' });
  await waitAll([actor], isStopped, 'the service to stop');
  actor.stop();
  return { rate: ((c1 - c0) * 1000) / elapsed, probe: probe() };
}

interface Variant {
  readonly label: string;
  readonly stop: string;
  readonly fn: (ms: number) => Promise<Sample>;
  readonly samples: Sample[];
}

const variants: Variant[] = [
  { label: 'raw async', stop: 'now() every 1024 it.', fn: rawAsync, samples: [] },
  { label: 'raw async + yield', stop: 'timer', fn: rawAsyncYielding, samples: [] },
  { label: 'service, async iterate', stop: 'timer', fn: (ms) => service('async', ms), samples: [] },
  { label: 'raw sync', stop: 'now() every 1024 it.', fn: rawSync, samples: [] },
  { label: 'raw sync + yield', stop: 'timer', fn: rawSyncYielding, samples: [] },
  { label: 'service, sync iterate', stop: 'timer', fn: (ms) => service('sync', ms), samples: [] },
];

export const bench: Bench = {
  name: 'service-loop',
  title: 'Empty iterations, back to back (minPeriod 0, pause 0)',
  async run(): Promise<Headline[]> {
    console.log(machineLine());
    console.log(`${ROUNDS} interleaved windows of ${WINDOW_MS} ms per variant, median shown.\n`);
    for (const v of variants) await v.fn(WARMUP_MS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) v.samples.push(await v.fn(WINDOW_MS));
    }
    const rate = (v: Variant) => median(v.samples.map((s) => s.rate));
    const [rawA, rawAY, svcA, rawS, rawSY, svcS] = variants.map(rate) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    printTable(
      [
        'variant',
        'iterations/s',
        'vs raw async',
        'vs raw sync',
        'stopped by',
        '10 ms timer fired at',
      ],
      variants.map((v) => [
        v.label,
        fmtInt(rate(v)),
        fmtRatio(rate(v), rawA),
        fmtRatio(rate(v), rawS),
        v.stop,
        fmtMs(median(v.samples.map((s) => s.probe))),
      ]),
    );
    console.log(
      `\nPer-round rates: ${variants.map((v) => `${v.label}: ${v.samples.map((s) => fmtInt(s.rate)).join(' / ')}`).join('; ')}`,
    );
    return [
      {
        metric: 'service async iterate vs raw async',
        value: fmtRatio(svcA, rawA),
        target: '>= 0.5x',
        met: svcA / rawA >= 0.5,
      },
      {
        metric: 'service sync iterate vs raw async',
        value: fmtRatio(svcS, rawA),
        target: '>= 0.5x',
        met: svcS / rawA >= 0.5,
      },
      { metric: 'service async iterate vs raw async + yield', value: fmtRatio(svcA, rawAY) },
      { metric: 'service sync iterate vs raw sync + yield', value: fmtRatio(svcS, rawSY) },
      { metric: 'service sync iterate vs raw sync', value: fmtRatio(svcS, rawS) },
    ];
  },
};

runIfMain(import.meta, bench);
