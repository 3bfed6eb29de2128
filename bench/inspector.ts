/**
 * What the inspector costs a supervision tree: restart throughput with no inspector, with the
 * inspector server attached but no page connected, and with one page connected over a real
 * WebSocket on 127.0.0.1 that parses and applies every message, as the page's store does.
 *
 * Two workloads: one-for-one among 100 services (one child fails at a time, each awaited until
 * its `child.restarted` report), and one-for-all among 1,000 (a restart storm: each failure
 * restarts all 1,000). The variants are interleaved over rounds, in a rotating order; the
 * ratio is the median of the per-round ratios, since the variants of a round run back to back.
 *
 * The page runs in a child process (this file, started with `--page <url>`), as a browser
 * would: it parses and applies every message, and tells the bench over IPC when it shows the
 * final generation of every service.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { type AnyActorRef, createActor, waitFor } from 'xstate';
import {
  createInspectorServer,
  createService,
  createSupervisor,
  type InspectorServer,
  type Strategy,
  shutdown,
  silentLogger,
} from '../src/index.ts';
import type {
  InspectorNode,
  MachineChart,
  NodeEvent,
  ServerMessage,
  TimelineEntry,
} from '../src/inspector/protocol.ts';
import {
  type Bench,
  fmtBytes,
  fmtInt,
  fmtMs,
  fmtRatio,
  gc,
  type Headline,
  machineLine,
  median,
  printTable,
  runIfMain,
} from './harness.ts';

interface Workload {
  readonly name: string;
  readonly strategy: Strategy;
  readonly services: number;
  /** Failures per measurement; with one-for-all each one restarts every service. */
  readonly restarts: number;
  /** Fewer failures in the warm-up round, which is not counted. */
  readonly warmup: number;
}

const WORKLOADS: readonly Workload[] = [
  { name: 'one-for-one', strategy: 'one-for-one', services: 100, restarts: 5_000, warmup: 500 },
  { name: 'one-for-all', strategy: 'one-for-all', services: 1_000, restarts: 40, warmup: 5 },
];
const ROUNDS = 5;
const VARIANTS = ['none', 'idle', 'page'] as const;
type Variant = (typeof VARIANTS)[number];
const LABEL: Record<Variant, string> = {
  none: 'no inspector (baseline)',
  idle: 'inspector, no page',
  page: 'inspector + 1 page',
};
/** With a page connected, at least this much of the baseline's throughput (issue 6). */
const TARGET_PAGE = 0.8;
/** "Next to nothing" with no page, read as: within the noise of a few percent. */
const TARGET_IDLE = 0.95;
/** How long the page may take to show the last restart once the loop ends. */
const CATCH_UP_TIMEOUT_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// A page without a browser: the same merge as the page's store, with its bounds.

const TIMELINE_KEPT = 2_000;
const EVENTS_KEPT = 30;

/** Messages and bytes received: the snapshot, then every delta. */
interface Received {
  snapshotBytes: number;
  deltas: number;
  deltaBytes: number;
}

/** The page process, seen from the bench. */
export interface Page {
  /** Resolves with what the page received once it shows every service at `generation`. */
  shown(services: number, generation: number, timeoutMs: number): Promise<Received>;
  close(): Promise<void>;
}

type ToPage = { type: 'until'; services: number; generation: number } | { type: 'close' };
type FromPage =
  | { type: 'ready' }
  | { type: 'shown'; received: Received }
  | { type: 'error'; message: string };

function applyMessage(
  msg: ServerMessage,
  nodes: Map<string, InspectorNode>,
  machines: Map<string, MachineChart>,
  timeline: TimelineEntry[],
  events: Map<string, NodeEvent[]>,
): void {
  if (msg.type === 'snapshot') {
    nodes.clear();
    events.clear();
    timeline.length = 0;
    for (const n of msg.nodes) nodes.set(n.key, { ...n });
  } else {
    for (const patch of msg.upserts) {
      const node = nodes.get(patch.key);
      if (!node) {
        nodes.set(patch.key, { ...patch } as InspectorNode);
        continue;
      }
      Object.assign(node, patch);
      for (const [k, v] of Object.entries(patch)) {
        if (v === null && k !== 'parent') delete (node as unknown as Record<string, unknown>)[k];
      }
    }
    for (const key of msg.removed) {
      nodes.delete(key);
      events.delete(key);
    }
  }
  for (const m of msg.machines) machines.set(m.key, m);
  timeline.push(...msg.timeline);
  if (timeline.length > TIMELINE_KEPT) timeline.splice(0, timeline.length - TIMELINE_KEPT);
  for (const e of msg.events) {
    if (!nodes.has(e.key)) continue;
    let list = events.get(e.key);
    if (!list) {
      list = [];
      events.set(e.key, list);
    }
    list.push(e);
    if (list.length > EVENTS_KEPT) list.shift();
  }
}

/** In the page process: connect, apply every message, answer the bench's questions. */
async function pageMain(url: string): Promise<void> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}ws`);
  const nodes = new Map<string, InspectorNode>();
  const machines = new Map<string, MachineChart>();
  const timeline: TimelineEntry[] = [];
  const events = new Map<string, NodeEvent[]>();
  const received: Received = { snapshotBytes: 0, deltas: 0, deltaBytes: 0 };
  let waiting: { services: number; generation: number } | undefined;
  const tell = (m: FromPage) => process.send?.(m);
  const check = () => {
    if (waiting && allAt(nodes, waiting.services, waiting.generation)) {
      waiting = undefined;
      tell({ type: 'shown', received: { ...received } });
    }
  };
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString('utf8')) as ServerMessage;
    if (msg.type === 'snapshot') {
      received.snapshotBytes += data.length;
      tell({ type: 'ready' });
    } else {
      received.deltas++;
      received.deltaBytes += data.length;
    }
    applyMessage(msg, nodes, machines, timeline, events);
    check();
  });
  ws.on('error', (e) => tell({ type: 'error', message: e.message }));
  process.on('message', (m: ToPage) => {
    if (m.type === 'until') {
      waiting = { services: m.services, generation: m.generation };
      check();
    } else {
      ws.close();
      process.disconnect?.();
    }
  });
}

/** Starts the page process and waits for its first snapshot (also used by inspector-events.ts). */
export async function connectPage(url: string, readyTimeout = 10_000): Promise<Page> {
  const file = fileURLToPath(import.meta.url);
  const child: ChildProcess = fork(file, ['--page', url], {
    execArgv: process.execArgv,
    stdio: 'inherit',
  });
  const next = (type: FromPage['type'], timeoutMs: number) =>
    new Promise<FromPage>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', on);
        reject(new Error(`The page sent no "${type}" within ${timeoutMs} ms.`));
      }, timeoutMs);
      const on = (m: FromPage) => {
        if (m.type === 'error') reject(new Error(`page: ${m.message}`));
        if (m.type !== type) return;
        clearTimeout(timer);
        child.off('message', on);
        resolve(m);
      };
      child.on('message', on);
    });
  await next('ready', readyTimeout);
  return {
    async shown(services, generation, timeoutMs) {
      const reply = next('shown', timeoutMs);
      child.send({ type: 'until', services, generation } satisfies ToPage);
      return ((await reply) as { received: Received }).received;
    },
    close() {
      return new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'close' } satisfies ToPage);
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One measurement: a fresh tree, the variant's inspector, N failures, everything closed after.

interface Measurement {
  readonly restartsPerSec: number;
  /** From the end of the loop until the page showed every service at its final generation. */
  readonly catchUpMs?: number;
  readonly received?: Received;
}

async function measure(w: Workload, variant: Variant, restarts: number): Promise<Measurement> {
  const children = Array.from({ length: w.services }, (_, i) =>
    createService({ id: `s${i}`, minPeriod: 60_000, iterate() {} }),
  );
  const root = createSupervisor({
    id: 'root',
    strategy: w.strategy,
    maxRestarts: 1e9,
    children,
    logger: silentLogger,
  });
  const actor = createActor(root).start();
  let server: InspectorServer | undefined;
  let page: Page | undefined;
  try {
    const snap = await waitFor(actor, (s) => s.matches('running') || s.matches('failed'));
    if (!snap.matches('running')) throw new Error(`the supervisor ended in ${String(snap.value)}`);
    if (variant !== 'none') server = await createInspectorServer(actor, { logger: silentLogger });
    if (variant === 'page' && server) page = await connectPage(server.url);
    gc();

    const perFailure = w.strategy === 'one-for-all' ? w.services : 1;
    const t0 = performance.now();
    await failRepeatedly(actor, w.services, restarts, perFailure);
    const ms = performance.now() - t0;

    let catchUpMs: number | undefined;
    let received: Received | undefined;
    if (page) {
      const generation = (restarts * perFailure) / w.services;
      const t1 = performance.now();
      received = await page.shown(w.services, generation, CATCH_UP_TIMEOUT_MS);
      catchUpMs = performance.now() - t1;
    }
    return {
      restartsPerSec: (restarts / ms) * 1000,
      ...(catchUpMs === undefined ? {} : { catchUpMs }),
      ...(received ? { received } : {}),
    };
  } finally {
    await page?.close();
    await server?.close();
    await shutdown(actor);
  }
}

/** Fails `s0`, `s1`, ... in turn, each awaited until its restart reports are all in. */
async function failRepeatedly(
  actor: AnyActorRef,
  services: number,
  restarts: number,
  perFailure: number,
): Promise<void> {
  let seen = 0;
  let wake: (() => void) | undefined;
  const sub = actor.on('child.restarted', () => {
    if (++seen === perFailure) wake?.();
  });
  try {
    for (let k = 0; k < restarts; k++) {
      seen = 0;
      const done = new Promise<void>((resolve) => {
        wake = resolve;
      });
      actor.send({ type: 'child.fail', id: `s${k % services}`, error: new Error(`failure ${k}`) });
      await done;
    }
  } finally {
    sub.unsubscribe();
  }
}

/** Every service on the page at `generation` (no leftover nodes of a previous generation). */
function allAt(nodes: Map<string, InspectorNode>, services: number, generation: number): boolean {
  let count = 0;
  for (const n of nodes.values()) {
    if (n.kind !== 'service') continue;
    if (n.generation !== generation || n.state !== 'running') return false;
    count++;
  }
  return count === services;
}

// ---------------------------------------------------------------------------------------------

interface WorkloadResult {
  readonly perVariant: Record<Variant, Measurement[]>;
  /** Per round, the variant's throughput over the baseline's. */
  readonly ratios: Record<Variant, number[]>;
}

async function runWorkload(w: Workload): Promise<WorkloadResult> {
  for (const v of VARIANTS) await measure(w, v, w.warmup);
  const perVariant: Record<Variant, Measurement[]> = { none: [], idle: [], page: [] };
  const ratios: Record<Variant, number[]> = { none: [], idle: [], page: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so that no variant always runs first (or right after a GC-heavy one).
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length] as Variant);
    const got = {} as Record<Variant, Measurement>;
    for (const v of order) got[v] = await measure(w, v, w.restarts);
    for (const v of VARIANTS) {
      perVariant[v].push(got[v]);
      ratios[v].push(got[v].restartsPerSec / got.none.restartsPerSec);
    }
    console.log(
      `  ${w.name} round ${round + 1}: ${VARIANTS.map((v) => `${v} ${fmtInt(got[v].restartsPerSec)}/s`).join(', ')}`,
    );
  }
  return { perVariant, ratios };
}

const ratioText = (r: number) => fmtRatio(r, 1);

export const bench: Bench = {
  name: 'inspector',
  title: 'Restart throughput with the inspector attached, with and without a page',
  async run(): Promise<Headline[]> {
    console.log(machineLine());
    console.log(
      `Services: createService({ minPeriod: 60_000, iterate() {} }); supervisor maxRestarts 1e9, silentLogger. ${ROUNDS} interleaved rounds after a warm-up; median shown; "vs none" = median of per-round ratios.`,
    );
    console.log(
      'The page is a ws client in a child process (as a browser would be) that parses and applies every message.\n',
    );
    const results = new Map<Workload, WorkloadResult>();
    for (const w of WORKLOADS) results.set(w, await runWorkload(w));

    console.log('');
    const rows: string[][] = [];
    for (const w of WORKLOADS) {
      const { perVariant, ratios } = results.get(w)!;
      for (const v of VARIANTS) {
        const ms = perVariant[v];
        const received = ms.map((m) => m.received).filter((r) => r !== undefined);
        const deltas = received.map((r) => r.deltas);
        const catchUp = ms.map((m) => m.catchUpMs).filter((c) => c !== undefined);
        rows.push([
          `${w.name}, ${fmtInt(w.services)} services`,
          LABEL[v],
          fmtInt(median(ms.map((m) => m.restartsPerSec))),
          `${fmtInt(Math.min(...ms.map((m) => m.restartsPerSec)))}–${fmtInt(Math.max(...ms.map((m) => m.restartsPerSec)))}`,
          ratioText(median(ratios[v])),
          received.length ? fmtInt(median(deltas)) : '',
          received.length ? fmtBytes(median(received.map((r) => r.deltaBytes))) : '',
          received.length ? fmtBytes(median(received.map((r) => r.snapshotBytes))) : '',
          catchUp.length ? fmtMs(median(catchUp)) : '',
        ]);
      }
    }
    printTable(
      [
        'workload',
        'variant',
        'restarts/s',
        'range',
        'vs none',
        'deltas',
        'delta bytes',
        'snapshot',
        'page caught up',
      ],
      rows,
      'llrrrrrrr',
    );
    console.log(
      `\nA one-for-all restart restarts every service; "restarts/s" counts failures handled. "deltas" and "bytes" are what the page received during one measurement (${WORKLOADS.map((w) => `${fmtInt(w.restarts)} failures for ${w.name}`).join(', ')}); "page caught up" is the time from the last restart to the page showing every service at its final generation.`,
    );

    const headlines: Headline[] = [];
    for (const w of WORKLOADS) {
      const { ratios } = results.get(w)!;
      const page = median(ratios.page);
      const idle = median(ratios.idle);
      headlines.push(
        {
          metric: `${w.name} (${fmtInt(w.services)}): restarts/s, page connected vs none`,
          value: ratioText(page),
          target: `>= ${TARGET_PAGE}x`,
          met: page >= TARGET_PAGE,
        },
        {
          metric: `${w.name} (${fmtInt(w.services)}): restarts/s, no page vs none`,
          value: ratioText(idle),
          target: `>= ${TARGET_IDLE}x`,
          met: idle >= TARGET_IDLE,
        },
      );
    }
    return headlines;
  },
};

if (process.argv[2] === '--page') void pageMain(process.argv[3]!);
else runIfMain(import.meta, bench);
