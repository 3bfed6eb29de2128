/**
 * Shared helpers for the benchmarks: a bench's shape, GC and heap readings, polling waits, and
 * plain-text tables. Benchmarks compare against a baseline measured in the same run and print
 * ratios; they never assert on time.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import type { AnyActorRef } from 'xstate';

/** A headline figure, collected by `bench/run.ts` into the summary table. */
export interface Headline {
  readonly metric: string;
  readonly value: string;
  /** What we aim for, e.g. `>= 0.5x raw`. */
  readonly target?: string;
  readonly met?: boolean;
}

/** One benchmark file's entry point. */
export interface Bench {
  /** Short name, matched by the filter of `npm run bench -- <filter>`. */
  readonly name: string;
  readonly title: string;
  /** Runs the benchmark, prints its own tables, and returns the headline figures. */
  run(): Promise<Headline[]>;
}

/** The message a bench child process sends to `bench/run.ts`. */
export interface BenchMessage {
  readonly name: string;
  readonly title: string;
  readonly headlines: readonly Headline[];
}

/**
 * Runs `bench` when its file is the process entry (`node --expose-gc --import tsx bench/x.ts`),
 * and reports its headlines to the parent when there is one (`bench/run.ts` forks each bench).
 */
export function runIfMain(meta: ImportMeta, bench: Bench): void {
  const entry = process.argv[1];
  if (entry === undefined || pathToFileURL(entry).href !== meta.url) return;
  const started = performance.now();
  console.log(`\n## ${bench.title} (${bench.name})\n`);
  bench.run().then(
    (headlines) => {
      console.log(`\n${bench.name}: done in ${fmtSeconds(performance.now() - started)}`);
      const message: BenchMessage = { name: bench.name, title: bench.title, headlines };
      if (process.send) process.send(message, () => process.exit(0));
      else process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** A figure a case process sends to the bench that forked it (see {@link runCaseProcess}). */
export interface PhaseMessage<P extends string = string> {
  readonly phase: P;
  readonly value: number;
}

/** What a case process reported: each phase's last value, and all its values in order. */
export interface CaseProcessResult<P extends string = string> {
  readonly results: Partial<Record<P, number>>;
  readonly series: Partial<Record<P, number[]>>;
  /** Killed at its cap before it finished. */
  readonly capped: boolean;
}

/**
 * Forks `file` with `args` as a case process (heap and JIT state of its own) and collects the
 * phases it reports with {@link reportPhase}. A process still running after `capMs` is killed;
 * the phases it finished are kept and `capped` is set. Rejects when it exits non-zero uncapped.
 *
 * @example
 * ```ts
 * const { results } = await runCaseProcess(fileURLToPath(import.meta.url), ['--case', 'raw'], {
 *   capMs: 60_000,
 * });
 * ```
 */
export function runCaseProcess<P extends string>(
  file: string,
  args: readonly string[],
  { capMs, execArgv = process.execArgv }: { capMs: number; execArgv?: readonly string[] },
): Promise<CaseProcessResult<P>> {
  const results: Partial<Record<P, number>> = {};
  const series: Partial<Record<P, number[]>> = {};
  return new Promise((resolve, reject) => {
    const child = fork(file, [...args], { execArgv: [...execArgv], stdio: 'inherit' });
    let capped = false;
    const timer = setTimeout(() => {
      capped = true;
      child.kill('SIGKILL');
    }, capMs);
    child.on('message', (m) => {
      const { phase, value } = m as PhaseMessage<P | 'end'>;
      if (phase === 'end') return;
      results[phase] = value;
      const values = series[phase] ?? [];
      values.push(value);
      series[phase] = values;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!capped && code !== 0)
        reject(new Error(`case ${args.join(' ')} exited with code ${code}`));
      else resolve({ results, series, capped });
    });
  });
}

/**
 * In a case process: logs a phase's figure under `label` and sends it to the parent.
 *
 * @example
 * ```ts
 * reportPhase('raw N=10,000', 'start', performance.now() - t);
 * ```
 */
export function reportPhase(label: string, phase: string, value: number): void {
  console.log(`  ${label}: ${phase} ${value.toFixed(phase === 'heap' ? 0 : 3)}`);
  process.send?.({ phase, value } satisfies PhaseMessage);
}

/**
 * In a case process: exits once `work` is done and its last phase has reached the parent
 * (code 0), or prints its error and exits with code 1.
 *
 * @example
 * ```ts
 * if (process.argv[2] === '--case') endCase(runTheCase());
 * ```
 */
export function endCase(work: Promise<void>): void {
  work.then(
    () =>
      process.send
        ? process.send({ phase: 'end', value: 0 } satisfies PhaseMessage, () => process.exit(0))
        : process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** A full, forced garbage collection. Needs `node --expose-gc`. */
export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) {
    throw new Error(
      'global.gc is missing: run the benchmarks with `node --expose-gc` (npm run bench).',
    );
  }
  // Twice: the first pass may only queue finalizers and weak callbacks.
  collect();
  collect();
}

/** Heap in use after a forced GC, in bytes. */
export function settledHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** Resolves after `ms` on a real timer. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves on the next turn of the event loop, after I/O. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Polls `items` every `everyMs` until `ready` holds for each one; `ready` must stay true once
 * true (it resumes from the first item not yet ready). Rejects after `timeoutMs`.
 */
export async function waitAll<T>(
  items: readonly T[],
  ready: (item: T) => boolean,
  what: string,
  { everyMs = 1, timeoutMs = 30_000 }: { everyMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let i = 0;
  for (;;) {
    while (i < items.length && ready(items[i] as T)) i++;
    if (i === items.length) return;
    if (performance.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}: ${i}/${items.length}.`);
    }
    await sleep(everyMs);
  }
}

/**
 * A small seeded PRNG (mulberry32), so every run picks the same random children.
 *
 * @example
 * ```ts
 * const random = seeded(42);
 * const id = `s${Math.floor(random() * n)}`;
 * ```
 */
export function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Resolves on the `count`-th report of `type` (for the child `id`, if given) that `actor`
 * emits after the call.
 *
 * @example
 * ```ts
 * const all = nextReports(actor, 'child.restarted', n);
 * actor.send({ type: 'child.fail', id: 's0' });
 * await all;
 * ```
 */
export function nextReports(
  actor: AnyActorRef,
  type: string,
  count: number,
  id?: string,
): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const sub = actor.on(type, (r: { id: string }) => {
      if (id !== undefined && r.id !== id) return;
      if (++seen === count) {
        sub.unsubscribe();
        resolve();
      }
    });
  });
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

export function fmtSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function fmtBytes(bytes: number): string {
  if (Math.abs(bytes) >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (Math.abs(bytes) >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes.toFixed(0)} B`;
}

/** `value / baseline` as `0.83x`. */
export function fmtRatio(value: number, baseline: number): string {
  if (baseline === 0) return 'n/a';
  const r = value / baseline;
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`;
}

/**
 * Prints rows as an aligned plain-text table that is also Markdown. `align` has one letter per
 * column, `l` or `r`; by default the first column is left-aligned and the others right-aligned.
 */
export function printTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align = `l${'r'.repeat(Math.max(0, headers.length - 1))}`,
): void {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const right = (c: number) => align[c] === 'r';
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, c) => (right(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w, c) => `${'-'.repeat(w + 1)}${right(c) ? ':' : '-'}`).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

/** Describes where the figures come from, for the record. */
export function machineLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `Node ${process.version}, ${process.platform}/${process.arch}, ${cpus.length} x ${model}`;
}
