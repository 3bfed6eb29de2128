/**
 * Control API load: 10,000 `GET /tree` requests over 50 concurrent keep-alive connections
 * against the control server of a tree of 50 services, and the same load against a bare
 * `node:http` server answering the same JSON (a `getTree()` snapshot computed once), measured
 * in the same run. Throughput and latency percentiles, and the ratios between them.
 *
 * The load comes from a client in a child process (this file again, with
 * `CONTROL_LOAD_ROLE=client`), so the client's own work never shares the server's event loop.
 * Every load is bounded in count (`REQUESTS`), and the whole measurement in time: whatever
 * is still running after `DEADLINE_MS` (60 s) is aborted and reported as such.
 *
 * Run: `npm run bench -- control`, or alone: `node --expose-gc --import tsx bench/control-load.ts`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type AnyActorRef, createActor } from 'xstate';
import {
  createControlServer,
  createService,
  createSupervisor,
  getTree,
  shutdown,
  silentLogger,
} from '../src/index.ts';
import {
  type Bench,
  fmtInt,
  fmtMs,
  fmtRatio,
  type Headline,
  median,
  printTable,
  runIfMain,
  waitAll,
} from './harness.ts';

const REQUESTS = 10_000;
const CONNECTIONS = 50;
/** The whole measurement (warm-ups and rounds) is aborted past this. */
const DEADLINE_MS = 60_000;
const WARMUP_REQUESTS = 1_000;
const ROUNDS = 5;
const GROUPS = 5;
const PER_GROUP = 10;
const TOKEN = 'bench-token';
const ROLE = 'CONTROL_LOAD_ROLE';

/** One load: `requests` GETs of `url` over `connections` keep-alive connections. */
interface LoadJob {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly requests: number;
  readonly connections: number;
  readonly deadlineMs: number;
}

interface LoadResult {
  /** Requests answered (any status). */
  readonly completed: number;
  readonly non200: number;
  readonly errors: number;
  readonly aborted: boolean;
  readonly elapsedMs: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

// ---------------------------------------------------------------------------------------------
// The client (child process)

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
}

async function load(job: LoadJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  // At the deadline, destroying the agent's sockets fails every request in flight.
  let aborted = false;
  const timer = setTimeout(() => {
    aborted = true;
    agent.destroy();
  }, job.deadlineMs);
  const latencies = new Float64Array(job.requests);
  let issued = 0;
  let completed = 0;
  let non200 = 0;
  let errors = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = request(job.url, { agent, headers: job.headers }, (res) => {
        if (res.statusCode !== 200) non200++;
        res.resume();
        res.on('end', () => {
          latencies[completed++] = performance.now() - t0;
          resolve();
        });
        res.on('error', () => {
          errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  // One worker per connection: each sends its next request once the previous one is answered.
  const worker = async () => {
    while (issued < job.requests && !aborted) {
      issued++;
      await one();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: job.connections }, worker));
  const elapsedMs = performance.now() - started;
  clearTimeout(timer);
  agent.destroy();
  const sorted = latencies.subarray(0, completed).sort();
  return {
    completed,
    non200,
    errors,
    aborted,
    elapsedMs,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: percentile(sorted, 1),
  };
}

function serveAsClient(): void {
  process.on('message', (job: LoadJob) => {
    load(job).then(
      (result) => process.send?.(result),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// The servers (this process)

interface Client {
  readonly child: ChildProcess;
  /** Rejects if the client exits: a load in progress must not wait for it forever. */
  readonly gone: Promise<never>;
}

function startClient(): Client {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: process.execArgv,
    env: { ...process.env, [ROLE]: 'client' },
    stdio: 'inherit',
  });
  const gone = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`the load client exited (code ${code})`)));
  });
  gone.catch(() => {}); // Only a load in progress cares.
  return { child, gone };
}

/** What the server side of a load cost: CPU time of this process per answered request. */
interface Measured extends LoadResult {
  readonly serverCpuUs: number;
}

async function runLoad(client: Client, job: LoadJob): Promise<Measured> {
  const answer = Promise.race([once(client.child, 'message'), client.gone]);
  const cpu = process.cpuUsage();
  client.child.send(job);
  const [result] = (await answer) as [LoadResult];
  const used = process.cpuUsage(cpu);
  return { ...result, serverCpuUs: (used.user + used.system) / Math.max(1, result.completed) };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The bare baseline: `node:http` answering `body()` with the control server's headers. */
function bareServer(body: () => string): Server {
  return createServer((_req, res) => {
    const text = body();
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    res.end(text);
  });
}

/** Root (one-for-one) with GROUPS supervisors of PER_GROUP services each: 50 services. */
function startTree(): AnyActorRef {
  const groups = Array.from({ length: GROUPS }, (_, g) =>
    createSupervisor({
      id: `group-${g}`,
      strategy: 'one-for-one',
      children: Array.from({ length: PER_GROUP }, (_, i) =>
        createService({ id: `worker-${g}-${i}`, minPeriod: 1_000, iterate() {} }),
      ),
    }),
  );
  return createActor(
    createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      logger: silentLogger,
      children: groups,
    }),
  ).start();
}

interface Variant {
  readonly name: string;
  readonly job: LoadJob;
}

const bench: Bench = {
  name: 'control-load',
  title: `Control API load: ${fmtInt(REQUESTS)} GET /tree over ${CONNECTIONS} keep-alive connections`,
  async run(): Promise<Headline[]> {
    const actor = startTree();
    await waitAll([actor], (a) => getTree(a).state === 'running', 'the tree to run');
    const snapshot = JSON.stringify(getTree(actor));
    const services = getTree(actor).children?.flatMap((g) => g.children ?? []).length ?? 0;
    console.log(
      `Tree: ${services} services in ${GROUPS} supervisors; GET /tree body ${fmtInt(Buffer.byteLength(snapshot))} bytes.`,
    );

    const control = await createControlServer(actor, {
      port: 0,
      token: TOKEN,
      logger: silentLogger,
    });
    const bare = bareServer(() => snapshot);
    const live = bareServer(() => JSON.stringify(getTree(actor)));
    const bareUrl = await listen(bare);
    const liveUrl = await listen(live);
    const job = (url: string, headers: Record<string, string> = {}): LoadJob => ({
      url,
      headers,
      requests: REQUESTS,
      connections: CONNECTIONS,
      deadlineMs: DEADLINE_MS,
    });
    const variants: Variant[] = [
      { name: 'bare node:http, precomputed snapshot', job: job(`${bareUrl}/tree`) },
      { name: 'bare node:http, getTree() per request', job: job(`${liveUrl}/tree`) },
      {
        name: 'control API GET /tree (with token)',
        job: job(`${control.url}/tree`, { authorization: `Bearer ${TOKEN}` }),
      },
    ];

    const client = startClient();
    const results = new Map<string, Measured[]>(variants.map((v) => [v.name, []]));
    // One deadline for the whole bench: a load that would run past it is aborted there.
    const deadline = performance.now() + DEADLINE_MS;
    const bounded = (j: LoadJob): LoadJob => ({
      ...j,
      deadlineMs: Math.max(0, deadline - performance.now()),
    });
    try {
      for (const v of variants) {
        await runLoad(client, bounded({ ...v.job, requests: WARMUP_REQUESTS }));
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const v of variants) results.get(v.name)?.push(await runLoad(client, bounded(v.job)));
      }
    } finally {
      client.child.disconnect();
      await control.close();
      await closeServer(bare);
      await closeServer(live);
      await shutdown(actor);
    }

    const rps = (r: LoadResult) => r.completed / (r.elapsedMs / 1000);
    const roundsOf = (v: Variant) => results.get(v.name) ?? [];
    const baseRounds = roundsOf(variants[0]!);
    // Ratios are taken round by round (the variants of a round ran back to back, under the
    // same machine load), then their median; the other columns are medians over the rounds.
    const summary = variants.map((v) => {
      const rounds = roundsOf(v);
      const ratios = rounds.map((r, i) => rps(r) / rps(baseRounds[i]!));
      return {
        name: v.name,
        rounds,
        rps: median(rounds.map(rps)),
        ratio: median(ratios),
        ratios,
        cpu: median(rounds.map((r) => r.serverCpuUs)),
        p50: median(rounds.map((r) => r.p50)),
        p99: median(rounds.map((r) => r.p99)),
        max: Math.max(...rounds.map((r) => r.max)),
        completed: rounds.map((r) => r.completed),
        failed: rounds.reduce((n, r) => n + r.non200 + r.errors, 0),
        aborted: rounds.some((r) => r.aborted),
      };
    });
    printTable(
      [
        'variant',
        'req/s',
        'vs bare',
        'p50',
        'p99',
        'max',
        'server CPU / req',
        'CPU vs bare',
        'answered 200',
      ],
      summary.map((v) => [
        v.name,
        fmtInt(v.rps),
        fmtRatio(v.ratio, 1),
        fmtMs(v.p50),
        fmtMs(v.p99),
        fmtMs(v.max),
        `${v.cpu.toFixed(0)} µs`,
        fmtRatio(v.cpu, summary[0]!.cpu),
        v.failed === 0 && !v.aborted
          ? `all ${fmtInt(REQUESTS)} x ${ROUNDS}`
          : `${v.completed.map(fmtInt).join('/')}, ${fmtInt(v.failed)} failed${v.aborted ? ', aborted' : ''}`,
      ]),
    );
    console.log(
      `\nMedians of ${ROUNDS} interleaved rounds of ${fmtInt(REQUESTS)} requests each (max: over all rounds), after a ${fmtInt(WARMUP_REQUESTS)}-request warm-up per variant. Per round:`,
    );
    for (const v of summary) {
      const each = v.rounds.map((r, i) => `${fmtInt(rps(r))} (${fmtRatio(v.ratios[i]!, 1)})`);
      console.log(`- ${v.name}: ${each.join(', ')} req/s`);
    }
    const ctl = summary[2]!;
    const clean = summary.every((v) => v.failed === 0 && !v.aborted);
    if (!clean) console.log('\nWARNING: some loads did not complete cleanly (see the table).');
    return [
      { metric: 'control GET /tree throughput', value: `${fmtInt(ctl.rps)} req/s` },
      { metric: 'control GET /tree p50 / p99', value: `${fmtMs(ctl.p50)} / ${fmtMs(ctl.p99)}` },
      { metric: 'control vs bare node:http', value: fmtRatio(ctl.ratio, 1) },
      {
        metric: 'server CPU per request, control vs bare',
        value: `${ctl.cpu.toFixed(0)} µs vs ${summary[0]!.cpu.toFixed(0)} µs`,
      },
      {
        metric: 'every request answered 200',
        value: clean ? 'yes' : 'no',
        target: 'all 200',
        met: clean,
      },
    ];
  },
};

if (process.env[ROLE] === 'client') serveAsClient();
else runIfMain(import.meta, bench);
