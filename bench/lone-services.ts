/**
 * 10,000 lone services, each `createActor(createService({ minPeriod: 1000, iterate() {} }))`
 * started at once: time until all are `running`, time until all are `stopped` after
 * `service.stop`, and heap per service, against 10,000 raw async loops that sleep 1000 ms with
 * an AbortSignal (`timers/promises` setTimeout), measured in the same run.
 *
 * Two service variants: one machine per service (N `createService` calls, the usual case) and
 * one machine shared by N actors. Heap is `heapUsed` after a forced GC, before and after.
 */
import { setTimeout as sleepWithSignal } from 'node:timers/promises';
import { type AnyActorRef, createActor } from 'xstate';
import { createService, type ServiceMachine, silentLogger } from '../src/index.ts';
import {
  type Bench,
  fmtBytes,
  fmtInt,
  fmtMs,
  fmtRatio,
  type Headline,
  machineLine,
  median,
  printTable,
  runIfMain,
  settledHeap,
  waitAll,
} from './harness.ts';

const N = 10_000;
const PERIOD = 1_000;
const ROUNDS = 2;

interface Sample {
  /** Create and start all, until all run (first iteration done, for raw loops). */
  readonly startMs: number;
  /** Ask all to stop, until all have stopped. */
  readonly stopMs: number;
  /** Heap per unit while all run. */
  readonly heapPer: number;
  /** Heap per unit left once all are stopped and released (a leak shows here). */
  readonly heapLeftPer: number;
}

async function rawLoops(): Promise<Sample> {
  let running = 0;
  const controllers: AbortController[] = [];
  const loops: Promise<void>[] = [];
  const iterate = () => {};
  async function loop(signal: AbortSignal): Promise<void> {
    let first = true;
    while (!signal.aborted) {
      iterate();
      if (first) {
        first = false;
        running++;
      }
      try {
        await sleepWithSignal(PERIOD, undefined, { signal });
      } catch {
        break; // AbortError: asked to stop
      }
    }
  }
  const heap0 = settledHeap();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const controller = new AbortController();
    controllers.push(controller);
    loops.push(loop(controller.signal));
  }
  await waitAll([0], () => running === N, 'raw loops to run');
  const startMs = performance.now() - t0;
  const heap1 = settledHeap();
  const t1 = performance.now();
  for (const c of controllers) c.abort();
  await Promise.all(loops);
  const stopMs = performance.now() - t1;
  controllers.length = 0;
  loops.length = 0;
  const heap2 = settledHeap();
  return { startMs, stopMs, heapPer: (heap1 - heap0) / N, heapLeftPer: (heap2 - heap0) / N };
}

const isRunning = (a: AnyActorRef) => {
  const v = a.getSnapshot().value;
  return typeof v === 'object' && v !== null && 'running' in v;
};
const isStopped = (a: AnyActorRef) => a.getSnapshot().value === 'stopped';

const options = (i: number) => ({
  id: `svc-${i}`,
  minPeriod: PERIOD,
  iterate() {},
  logger: silentLogger,
});

async function services(shared: boolean): Promise<Sample> {
  const actors: AnyActorRef[] = [];
  const heap0 = settledHeap();
  const t0 = performance.now();
  const one: ServiceMachine | undefined = shared ? createService(options(0)) : undefined;
  for (let i = 0; i < N; i++) {
    actors.push(createActor(one ?? createService(options(i))).start());
  }
  await waitAll(actors, isRunning, 'services to run');
  const startMs = performance.now() - t0;
  const heap1 = settledHeap();
  const t1 = performance.now();
  for (const a of actors) a.send({ type: 'service.stop' });
  await waitAll(actors, isStopped, 'services to stop');
  const stopMs = performance.now() - t1;
  for (const a of actors) a.stop();
  actors.length = 0;
  const heap2 = settledHeap();
  return { startMs, stopMs, heapPer: (heap1 - heap0) / N, heapLeftPer: (heap2 - heap0) / N };
}

export const bench: Bench = {
  name: 'lone-services',
  title: `${fmtInt(N)} lone services, minPeriod ${PERIOD} ms: start, stop, heap`,
  async run(): Promise<Headline[]> {
    console.log(machineLine());
    console.log(
      `N = ${fmtInt(N)}; heap = heapUsed after global.gc(), delta / N; median of ${ROUNDS} interleaved rounds.\n`,
    );
    // A small warm-up so the first variant does not pay for JIT and module loading alone.
    const warm = Array.from({ length: 200 }, (_, i) =>
      createActor(createService(options(i))).start(),
    );
    await waitAll(warm, isRunning, 'warm-up services to run');
    for (const a of warm) a.send({ type: 'service.stop' });
    await waitAll(warm, isStopped, 'warm-up services to stop');
    for (const a of warm) a.stop();

    const variants: { label: string; fn: () => Promise<Sample>; samples: Sample[] }[] = [
      { label: 'raw async loops (AbortSignal sleep)', fn: rawLoops, samples: [] },
      { label: 'services, one machine each', fn: () => services(false), samples: [] },
      { label: 'services, one shared machine', fn: () => services(true), samples: [] },
    ];
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) v.samples.push(await v.fn());
    }
    const mid = (samples: Sample[]): Sample => ({
      startMs: median(samples.map((x) => x.startMs)),
      stopMs: median(samples.map((x) => x.stopMs)),
      heapPer: median(samples.map((x) => x.heapPer)),
      heapLeftPer: median(samples.map((x) => x.heapLeftPer)),
    });
    const [raw, perMachine, sharedMachine] = variants.map((v) => mid(v.samples)) as [
      Sample,
      Sample,
      Sample,
    ];
    const rows: [string, Sample][] = [
      ['raw async loops (AbortSignal sleep)', raw],
      ['services, one machine each', perMachine],
      ['services, one shared machine', sharedMachine],
    ];
    printTable(
      [
        'variant',
        'start all',
        'vs raw',
        'stop all',
        'vs raw',
        'heap / unit',
        'vs raw',
        'heap left after release / unit',
      ],
      rows.map(([label, s]) => [
        label,
        fmtMs(s.startMs),
        fmtRatio(s.startMs, raw.startMs),
        fmtMs(s.stopMs),
        fmtRatio(s.stopMs, raw.stopMs),
        fmtBytes(s.heapPer),
        fmtRatio(s.heapPer, raw.heapPer),
        fmtBytes(s.heapLeftPer),
      ]),
    );
    console.log('\nPer round (start / stop / heap per unit):');
    for (const v of variants) {
      const each = v.samples.map(
        (x) => `${fmtMs(x.startMs)} / ${fmtMs(x.stopMs)} / ${fmtBytes(x.heapPer)}`,
      );
      console.log(`  ${v.label}: ${each.join('; ')}`);
    }
    return [
      {
        metric: `start ${fmtInt(N)} services vs raw`,
        value: fmtRatio(perMachine.startMs, raw.startMs),
      },
      {
        metric: `stop ${fmtInt(N)} services vs raw`,
        value: fmtRatio(perMachine.stopMs, raw.stopMs),
      },
      {
        metric: 'heap per service vs raw loop',
        value: `${fmtBytes(perMachine.heapPer)} (${fmtRatio(perMachine.heapPer, raw.heapPer)})`,
      },
      {
        metric: 'heap per service, shared machine',
        value: `${fmtBytes(sharedMachine.heapPer)} (${fmtRatio(sharedMachine.heapPer, raw.heapPer)})`,
      },
    ];
  },
};

runIfMain(import.meta, bench);
