/**
 * The user's own machines under a supervisor (issue 12), against raw XState in the same run:
 * N = 10,000 children of one minimal machine, `supervise(machine, { id })` under one flat
 * supervisor, vs N `createActor(machine).start()`: start, one-for-all restart of N (vs stop +
 * recreate of N), one-for-one restart among N, heap per child.
 *
 * Each (variant, round) runs in its own Node process (this file, forked with `--case`), so heap
 * and JIT state never carry over; rounds interleave the variants. Each time or size is the median
 * over the rounds (for start and heap, over both of a round's trees too); each ratio is the
 * median of the per-round ratios, since the variants of a round ran under the same load.
 */
import { fileURLToPath } from 'node:url';
import { type AnyActorRef, createActor, createMachine, waitFor } from 'xstate';
import {
  createSupervisor,
  type Strategy,
  shutdown,
  silentLogger,
  supervise,
} from '../src/index.ts';
import {
  type Bench,
  type CaseProcessResult,
  endCase,
  fmtBytes,
  fmtInt,
  fmtMs,
  gc,
  type Headline,
  machineLine,
  median,
  nextReports,
  printTable,
  reportPhase,
  runCaseProcess,
  runIfMain,
  seeded,
  settledHeap,
} from './harness.ts';

const N = 10_000;
/** Processes per variant; the figures are medians over them. */
const ROUNDS = 5;
/** One-for-one restarts measured per tree (random children, fixed seed). */
const SAMPLES = 50;
/** Warm paired rounds (raw, then supervised, or the other way) in the `paired` process. */
const PAIRS = 10;
/** A case process still running after this is killed, and the phases it did not finish are missing. */
const CAP_MS = 60_000;
const TARGET = { start: 1.5, all: 1.5, oneMs: 0.2, heap: 1.3 } as const;

/** The cold, one-measurement-per-process variants; `paired` runs raw and ours warm in one process. */
type Variant = 'raw' | 'ours-all' | 'ours-one';
type Kind = Variant | 'paired';
type Phase =
  | 'define'
  | 'start'
  | 'heap'
  | 'all'
  | 'one'
  | 'shutdown'
  | 'pair-start'
  | 'pair-all'
  | 'pair-start-cpu'
  | 'pair-all-cpu';

let caseLabel = '';

function report(phase: Phase, value: number): void {
  reportPhase(caseLabel, phase, value);
}

/** The minimal machine of the issue, the same for both variants. */
function minimalMachine() {
  return createMachine({ id: 'm', initial: 'idle', states: { idle: { on: { ping: 'idle' } } } });
}

// ---------------------------------------------------------------------------------------------
// Raw XState: N actors of the machine, started, stopped and recreated one by one.

type Machine = ReturnType<typeof minimalMachine>;

function assertActive(actors: readonly AnyActorRef[]): void {
  const active = actors.filter((a) => a.getSnapshot().status === 'active').length;
  if (active !== actors.length) throw new Error(`expected ${actors.length} active, got ${active}`);
}

function startRaw(machine: Machine, n: number): AnyActorRef[] {
  const actors: AnyActorRef[] = new Array(n);
  for (let i = 0; i < n; i++) actors[i] = createActor(machine).start();
  return actors;
}

/** As a one-for-all restart does: stop all in reverse order, then start all again. */
function restartAllRaw(machine: Machine, actors: AnyActorRef[]): void {
  for (let i = actors.length - 1; i >= 0; i--) (actors[i] as AnyActorRef).stop();
  for (let i = 0; i < actors.length; i++) actors[i] = createActor(machine).start();
}

async function raw(n: number): Promise<void> {
  const heap0 = settledHeap();
  let t = performance.now();
  const machine = minimalMachine();
  report('define', performance.now() - t);

  t = performance.now();
  const actors = startRaw(machine, n);
  report('start', performance.now() - t);
  assertActive(actors);
  report('heap', (settledHeap() - heap0) / n);

  t = performance.now();
  restartAllRaw(machine, actors);
  report('all', performance.now() - t);
  assertActive(actors);
  gc();

  const random = seeded(42);
  const times: number[] = [];
  for (let k = 0; k < SAMPLES; k++) {
    const i = Math.floor(random() * n);
    t = performance.now();
    (actors[i] as AnyActorRef).stop();
    actors[i] = createActor(machine).start();
    times.push(performance.now() - t);
  }
  report('one', median(times));
  gc();

  t = performance.now();
  for (const a of actors) a.stop();
  report('shutdown', performance.now() - t);
  await Promise.resolve();
}

// ---------------------------------------------------------------------------------------------
// Ours: one flat supervisor of N `supervise(machine, { id })` children.

function defineTree(machine: Machine, n: number, strategy: Strategy) {
  const children = Array.from({ length: n }, (_, i) => supervise(machine, { id: `m${i}` }));
  return createSupervisor({
    id: 'root',
    strategy,
    maxRestarts: 1e6,
    children,
    logger: silentLogger,
  });
}

async function startTree(root: ReturnType<typeof defineTree>, n: number): Promise<AnyActorRef> {
  const actor = createActor(root).start();
  const snap = await waitFor(actor, (s) => s.matches('running') || s.matches('failed'));
  if (!snap.matches('running')) throw new Error(`the supervisor ended in ${String(snap.value)}`);
  const live = actor.system.get(`m${n - 1}`) as AnyActorRef | undefined;
  if (live?.getSnapshot().status !== 'active') throw new Error('the last child is not active');
  return actor;
}

/** Fails the middle child of a one-for-all tree of `n`; resolves on the `n`-th restart. */
function restartAllTree(actor: AnyActorRef, n: number): Promise<void> {
  const all = nextReports(actor, 'child.restarted', n);
  actor.send({ type: 'child.fail', id: `m${n >> 1}` });
  return all;
}

async function ours(n: number, strategy: Strategy): Promise<void> {
  const heap0 = settledHeap();
  const total0 = performance.now();
  const machine = minimalMachine();
  const root = defineTree(machine, n, strategy);
  report('define', performance.now() - total0);

  const actor = await startTree(root, n);
  // Definitions included: raw XState's start is createActor + start, nothing to define.
  report('start', performance.now() - total0);
  report('heap', (settledHeap() - heap0) / n);

  let t = performance.now();
  if (strategy === 'one-for-all') {
    await restartAllTree(actor, n);
    report('all', performance.now() - t);
  } else {
    const random = seeded(42);
    const times: number[] = [];
    for (let k = 0; k < SAMPLES; k++) {
      const id = `m${Math.floor(random() * n)}`;
      const done = nextReports(actor, 'child.restarted', 1, id);
      t = performance.now();
      actor.send({ type: 'child.fail', id });
      await done;
      times.push(performance.now() - t);
    }
    report('one', median(times));
  }
  gc();
  t = performance.now();
  await shutdown(actor);
  report('shutdown', performance.now() - t);
}

// ---------------------------------------------------------------------------------------------
// Paired, warm: both variants in one process, PAIRS times in alternating order after a warm-up,
// each pair seconds apart, so a pair's ratio sees one machine load.

/** CPU time (user + system, ms) since `from`: what the process did, whatever else ran beside it. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

interface Cycle {
  start: number;
  all: number;
  startCpu: number;
  allCpu: number;
}

async function pairedCycle(machine: Machine, n: number, variant: 'raw' | 'ours'): Promise<Cycle> {
  gc();
  if (variant === 'raw') {
    let t = performance.now();
    let c = process.cpuUsage();
    const actors = startRaw(machine, n);
    const start = performance.now() - t;
    const startCpu = cpuSince(c);
    t = performance.now();
    c = process.cpuUsage();
    restartAllRaw(machine, actors);
    const all = performance.now() - t;
    const allCpu = cpuSince(c);
    assertActive(actors);
    for (const a of actors) a.stop();
    return { start, all, startCpu, allCpu };
  }
  let t = performance.now();
  let c = process.cpuUsage();
  const actor = await startTree(defineTree(machine, n, 'one-for-all'), n);
  const start = performance.now() - t;
  const startCpu = cpuSince(c);
  t = performance.now();
  c = process.cpuUsage();
  await restartAllTree(actor, n);
  const all = performance.now() - t;
  const allCpu = cpuSince(c);
  await shutdown(actor);
  return { start, all, startCpu, allCpu };
}

async function paired(n: number): Promise<void> {
  const machine = minimalMachine();
  await pairedCycle(machine, n / 10, 'raw');
  await pairedCycle(machine, n / 10, 'ours');
  for (let k = 0; k < PAIRS; k++) {
    const order = k % 2 ? (['ours', 'raw'] as const) : (['raw', 'ours'] as const);
    const r: Partial<Record<'raw' | 'ours', Cycle>> = {};
    for (const v of order) r[v] = await pairedCycle(machine, n, v);
    report('pair-start', r.ours!.start / r.raw!.start);
    report('pair-all', r.ours!.all / r.raw!.all);
    report('pair-start-cpu', r.ours!.startCpu / r.raw!.startCpu);
    report('pair-all-cpu', r.ours!.allCpu / r.raw!.allCpu);
  }
}

// ---------------------------------------------------------------------------------------------
// The driver: ROUNDS rounds of one process per variant, then the table.

type Results = Partial<Record<Phase, number>>;

function runCase(kind: Kind, n: number): Promise<CaseProcessResult<Phase>> {
  return runCaseProcess<Phase>(fileURLToPath(import.meta.url), ['--case', kind, String(n)], {
    // The paired process runs PAIRS cycles of both variants: it gets a longer cap.
    capMs: kind === 'paired' ? 3 * CAP_MS : CAP_MS,
  });
}

const us = (ms: number) => (ms >= 10 ? fmtMs(ms) : `${(ms * 1000).toFixed(0)} µs`);
const kib = (b: number) => fmtBytes(b);

export const bench: Bench = {
  name: 'own-machines',
  title: 'Supervised user machines vs raw XState actors of the same machine',
  async run(): Promise<Headline[]> {
    console.log(machineLine());
    console.log(
      `N = ${fmtInt(N)} actors of one minimal machine; ${ROUNDS} rounds, one process per (variant, round), variants interleaved; one-for-one = median of ${SAMPLES} random children; heap = heapUsed after global.gc(), delta / N, definitions included; ratio = median of the per-round ratios (supervised / raw of the same round).\n`,
    );
    const runs: Record<Variant, Results[]> = { raw: [], 'ours-all': [], 'ours-one': [] };
    const order: Variant[] = ['raw', 'ours-all', 'ours-one'];
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order, so no variant always runs first after a quiet pause.
      for (let k = 0; k < order.length; k++) {
        const kind = order[(k + r) % order.length] as Variant;
        runs[kind].push((await runCase(kind, N)).results);
      }
    }
    const pairs = (await runCase('paired', N)).series;
    const med = (kinds: readonly Variant[], phase: Phase): number | undefined => {
      const values = kinds
        .flatMap((k) => runs[k].map((x) => x[phase]))
        .filter((v) => v !== undefined);
      return values.length ? median(values) : undefined;
    };
    const rawOf = (phase: Phase) => med(['raw'], phase);
    const oursOf = (phase: Phase): number | undefined => {
      if (phase === 'all') return med(['ours-all'], phase);
      if (phase === 'one') return med(['ours-one'], phase);
      return med(['ours-all', 'ours-one'], phase);
    };
    /** Ours / raw of each round: the variants of a round ran back to back, under the same load. */
    const roundRatios = (phase: Phase, oursKinds: readonly Variant[]): number[] => {
      const ratios: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const base = runs.raw[r]?.[phase];
        for (const k of oursKinds) {
          const v = runs[k][r]?.[phase];
          if (v !== undefined && base !== undefined && base > 0) ratios.push(v / base);
        }
      }
      return ratios;
    };
    const x = (r: number) => `${r.toFixed(2)}x`;

    type Row = {
      phase: Phase;
      label: string;
      fmt: (v: number) => string;
      kinds: Variant[];
      /** `ratio`: ours / raw at most; `abs`: ours at most, in ms. */
      target?: { kind: 'ratio' | 'abs'; value: number; text: string };
    };
    const table: Row[] = [
      {
        phase: 'start',
        label: `start ${fmtInt(N)}`,
        fmt: fmtMs,
        kinds: ['ours-all', 'ours-one'],
        target: { kind: 'ratio', value: TARGET.start, text: `<= ${TARGET.start}x raw` },
      },
      {
        phase: 'all',
        label: `one-for-all restart of ${fmtInt(N)} (raw: stop + recreate)`,
        fmt: fmtMs,
        kinds: ['ours-all'],
        target: { kind: 'ratio', value: TARGET.all, text: `<= ${TARGET.all}x raw` },
      },
      {
        phase: 'one',
        label: `one-for-one restart among ${fmtInt(N)} (child.fail)`,
        fmt: us,
        kinds: ['ours-one'],
        target: { kind: 'abs', value: TARGET.oneMs, text: `<= ${us(TARGET.oneMs)} median` },
      },
      {
        phase: 'heap',
        label: 'heap per child',
        fmt: kib,
        kinds: ['ours-all', 'ours-one'],
        target: { kind: 'ratio', value: TARGET.heap, text: `<= ${TARGET.heap}x raw` },
      },
      {
        phase: 'shutdown',
        label: `shutdown ${fmtInt(N)}`,
        fmt: fmtMs,
        kinds: ['ours-all', 'ours-one'],
      },
      {
        phase: 'define',
        label: 'definitions (ours: supervise x N + createSupervisor)',
        fmt: fmtMs,
        kinds: ['ours-all', 'ours-one'],
      },
    ];
    const rows: string[][] = [];
    const headlines: Headline[] = [];
    for (const { phase, label, fmt, kinds, target } of table) {
      const o = oursOf(phase);
      const b = rawOf(phase);
      const ratios = phase === 'define' ? [] : roundRatios(phase, kinds);
      const r = ratios.length ? median(ratios) : undefined;
      const ratio = r === undefined ? '—' : x(r);
      let verdict = '';
      let met = false;
      if (target && o !== undefined) {
        met = target.kind === 'ratio' ? r !== undefined && r <= target.value : o <= target.value;
        verdict = `${target.text}: ${met ? 'met' : 'MISSED'}`;
      }
      rows.push([
        label,
        o === undefined ? '—' : fmt(o),
        b === undefined ? '—' : fmt(b),
        ratio,
        ratios.length ? `${x(Math.min(...ratios))}–${x(Math.max(...ratios))}` : '—',
        verdict,
      ]);
      if (target) {
        const value =
          o === undefined
            ? 'n/a'
            : target.kind === 'ratio'
              ? `${ratio} (${fmt(o)} vs ${b === undefined ? '—' : fmt(b)})`
              : `${fmt(o)} (raw ${b === undefined ? '—' : fmt(b)})`;
        headlines.push({ metric: label, value, target: target.text, met });
      }
    }
    printTable(
      ['metric (N = 10,000)', 'supervised', 'raw XState', 'ratio', 'range over rounds', 'target'],
      rows,
      'lrrrrl',
    );

    console.log(
      `\nWarm and paired: one process, a warm-up at N = ${fmtInt(N / 10)}, then ${PAIRS} pairs (raw and supervised back to back, alternating which goes first); ratio = median of the pairs' ratios. Wall: elapsed time; CPU: the process's user + system time (process.cpuUsage), which other load on the machine disturbs far less.\n`,
    );
    const warm: string[][] = [];
    for (const [phase, label, limit] of [
      ['pair-start', `start ${fmtInt(N)}, wall`, TARGET.start],
      ['pair-start-cpu', `start ${fmtInt(N)}, CPU`, TARGET.start],
      ['pair-all', `one-for-all restart of ${fmtInt(N)} (raw: stop + recreate), wall`, TARGET.all],
      [
        'pair-all-cpu',
        `one-for-all restart of ${fmtInt(N)} (raw: stop + recreate), CPU`,
        TARGET.all,
      ],
    ] as const) {
      const ratios = pairs[phase] ?? [];
      const r = ratios.length ? median(ratios) : undefined;
      const met = r !== undefined && r <= limit;
      const target = `<= ${limit}x raw`;
      warm.push([
        label,
        r === undefined ? '—' : x(r),
        ratios.length ? `${x(Math.min(...ratios))}–${x(Math.max(...ratios))}` : '—',
        `${target}: ${met ? 'met' : 'MISSED'}`,
      ]);
      headlines.push({
        metric: `${label}, warm, paired`,
        value: r === undefined ? 'n/a' : x(r),
        target,
        met,
      });
    }
    printTable(['metric (N = 10,000), warm', 'ratio', 'range over pairs', 'target'], warm, 'lrrl');
    return headlines;
  },
};

if (process.argv[2] === '--case') {
  const kind = process.argv[3] as Kind;
  const n = Number(process.argv[4]);
  caseLabel = `${kind} N=${fmtInt(n)}`;
  const work =
    kind === 'raw'
      ? raw(n)
      : kind === 'paired'
        ? paired(n)
        : ours(n, kind === 'ours-all' ? 'one-for-all' : 'one-for-one');
  endCase(work);
} else {
  runIfMain(import.meta, bench);
}
