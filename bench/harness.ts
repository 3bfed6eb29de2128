/**
 * Shared helpers for the benchmarks: a bench's shape, GC and heap readings, polling waits, and
 * plain-text tables. Benchmarks compare against a baseline measured in the same run and print
 * ratios; they never assert on time.
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';

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
