/**
 * Durable queues, real servers (PostgreSQL 127.0.0.1:5432 db `test`, Redis 127.0.0.1:6379):
 *
 * 1. Throughput, jobs/s, JOBS no-op jobs queued first, then drained at CONCURRENCY:
 *    - graphile-worker alone (`run({ concurrency })`), and pg-boss alone two ways (`work()` with
 *      batchSize = concurrency, the batch handled in parallel, on 40 batches only since it waits
 *      its polling interval after each; and `concurrency` loops of
 *      `fetch()`/`complete()`): the two PostgreSQL libraries we chose from; the faster pg-boss
 *      way is the baseline;
 *    - our PostgreSQL queue worker (pg-boss underneath) at the same concurrency;
 *    - BullMQ alone (`new Worker(..., { concurrency })`) and our Redis queue worker.
 *    Target: ours >= 0.8x the chosen library alone, in the same run.
 * 2. Enqueue-to-start latency, p50/p99 over LAT_SAMPLES jobs enqueued one at a time on an idle
 *    worker (a job's handler start minus the moment `enqueue` was called).
 * 3. The kill test at full size: CHAOS_JOBS jobs (10,000) over 3 replica processes, a random one
 *    SIGKILLed CHAOS_KILL_MS after all three run, and restarted; jobs lost (must be 0) and
 *    duplicates against their bound (kills x concurrency). npm test runs it scaled down.
 *
 * Every run uses its own schema / key prefix, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Logger as GraphileLogger, run as graphileRun, makeWorkerUtils } from 'graphile-worker';
import PgBoss from 'pg-boss';
import { createActor } from 'xstate';
import { shutdown } from '../src/actors/shutdown.ts';
import { silentLogger } from '../src/core/logger.ts';
import { createPostgresQueue } from '../src/durable/postgres/index.ts';
import { createRedisQueue } from '../src/durable/redis/index.ts';
import type { DurableQueue } from '../src/kinds/durable-queue.ts';
import { createQueueWorker } from '../src/kinds/queue-worker.ts';
import { chaosRun } from '../test/durable/queue-chaos.ts';
import { dropTag, PG, testBackend } from '../test/durable/queue-helpers.ts';
import { type Bench, fmtInt, fmtMs, type Headline, printTable, runIfMain } from './harness.ts';

const JOBS = Number(process.env.DURABLE_JOBS ?? 5_000);
const CONCURRENCY = Number(process.env.DURABLE_CONCURRENCY ?? 8);
const LAT_SAMPLES = Number(process.env.DURABLE_LAT_SAMPLES ?? 100);
const CHAOS_JOBS = Number(process.env.CHAOS_JOBS ?? 10_000);
const CHAOS_KILL_MS = Number(process.env.CHAOS_KILL_MS ?? 3_000);
const URL = `postgres://${PG.user}@${PG.host}:${PG.port}/${PG.database}`;
const REDIS = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };

const tag = (p: string) => `${p}${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A handler counter: resolves `all` once `n` handlers have started. */
function counter(n: number) {
  let count = 0;
  let resolve!: () => void;
  const all = new Promise<void>((r) => {
    resolve = r;
  });
  return {
    all,
    hit() {
      if (++count === n) resolve();
    },
  };
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

interface Measure {
  readonly jobsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** Latency samples: enqueue one job, wait for its start, LAT_SAMPLES times. */
async function latency(
  enqueue: (i: number) => Promise<unknown>,
  started: Map<number, number>,
): Promise<{ p50: number; p99: number }> {
  const lat: number[] = [];
  for (let i = 0; i < LAT_SAMPLES; i++) {
    const id = 1_000_000 + i;
    const t = performance.now();
    await enqueue(id);
    while (!started.has(id)) await sleep(1);
    lat.push(started.get(id)! - t);
    await sleep(5);
  }
  return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

async function graphile(): Promise<Measure> {
  const schema = tag('gw_');
  const utils = await makeWorkerUtils({ connectionString: URL, schema });
  await utils.migrate();
  for (let i = 0; i < JOBS; i += 1_000) {
    await utils.addJobs(
      Array.from({ length: Math.min(1_000, JOBS - i) }, (_, k) => ({
        identifier: 'job',
        payload: { n: i + k },
      })),
    );
  }
  const c = counter(JOBS);
  const started = new Map<number, number>();
  const t0 = performance.now();
  const runner = await graphileRun({
    connectionString: URL,
    schema,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 1_000,
    logger: new GraphileLogger(() => () => {}),
    taskList: {
      job: async (payload) => {
        const n = (payload as { n: number }).n;
        if (n >= 1_000_000) started.set(n, performance.now());
        else c.hit();
      },
    },
  });
  await c.all;
  const jobsPerSecond = JOBS / ((performance.now() - t0) / 1_000);
  const l = await latency((n) => utils.addJob('job', { n }), started);
  await runner.stop();
  await utils.release();
  await dropTag('postgres', schema);
  return { jobsPerSecond, ...l };
}

/** pg-boss alone on a schema of its own, started, with `jobs` jobs in its queue `job`. */
async function bossWithJobs(
  prefix: string,
  jobs: number,
): Promise<{ boss: PgBoss; schema: string }> {
  const schema = tag(prefix);
  const boss = new PgBoss({ connectionString: URL, schema, supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('job');
  for (let i = 0; i < jobs; i += 1_000) {
    await boss.insert(
      Array.from({ length: Math.min(1_000, jobs - i) }, (_, k) => ({
        name: 'job',
        data: { n: i + k },
      })),
    );
  }
  return { boss, schema };
}

/** pg-boss's work() waits its polling interval after every batch: fewer jobs, or it takes minutes. */
const WORK_JOBS = Math.min(JOBS, 40 * CONCURRENCY);

async function pgBossAlone(): Promise<Measure> {
  const JOBS = WORK_JOBS;
  const { boss, schema } = await bossWithJobs('pb_', JOBS);
  const c = counter(JOBS);
  const started = new Map<number, number>();
  const t0 = performance.now();
  await boss.work<{ n: number }>(
    'job',
    { batchSize: CONCURRENCY, pollingIntervalSeconds: 0.5 },
    async (jobs) => {
      await Promise.all(
        jobs.map(async (j) => {
          if (j.data.n >= 1_000_000) started.set(j.data.n, performance.now());
          else c.hit();
        }),
      );
    },
  );
  await c.all;
  const jobsPerSecond = JOBS / ((performance.now() - t0) / 1_000);
  const l = await latency((n) => boss.send('job', { n }), started);
  await boss.stop({ graceful: false, wait: true });
  await dropTag('postgres', schema);
  return { jobsPerSecond, ...l };
}

/** pg-boss's pull API alone: CONCURRENCY loops of fetch() and complete(), 50 ms apart when empty. */
async function pgBossFetchLoops(): Promise<Measure> {
  const { boss, schema } = await bossWithJobs('pf_', JOBS);
  const c = counter(JOBS);
  const started = new Map<number, number>();
  let stop = false;
  const t0 = performance.now();
  const loops = Array.from({ length: CONCURRENCY }, async () => {
    while (!stop) {
      const [job] = await boss.fetch<{ n: number }>('job');
      if (!job) {
        await sleep(50);
        continue;
      }
      if (job.data.n >= 1_000_000) started.set(job.data.n, performance.now());
      else c.hit();
      await boss.complete('job', job.id);
    }
  });
  await c.all;
  const jobsPerSecond = JOBS / ((performance.now() - t0) / 1_000);
  const l = await latency((n) => boss.send('job', { n }), started);
  stop = true;
  await Promise.all(loops);
  await boss.stop({ graceful: false, wait: true });
  await dropTag('postgres', schema);
  return { jobsPerSecond, ...l };
}

async function bullAlone(): Promise<Measure> {
  const prefix = tag('xsqb');
  const queue = new Queue('job', { connection: REDIS, prefix });
  const opts = { priority: 1_048_576, attempts: 5, removeOnComplete: { age: 86_400 } };
  for (let i = 0; i < JOBS; i += 1_000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1_000, JOBS - i) }, (_, k) => ({
        name: 'job',
        data: { n: i + k },
        opts,
      })),
    );
  }
  const c = counter(JOBS);
  const started = new Map<number, number>();
  const t0 = performance.now();
  const worker = new Worker<{ n: number }>(
    'job',
    async (job) => {
      if (job.data.n >= 1_000_000) started.set(job.data.n, performance.now());
      else c.hit();
    },
    { connection: REDIS, prefix, concurrency: CONCURRENCY, drainDelay: 1 },
  );
  await c.all;
  const jobsPerSecond = JOBS / ((performance.now() - t0) / 1_000);
  const l = await latency((n) => queue.add('job', { n }, opts), started);
  await worker.close();
  await queue.close();
  await dropTag('redis', prefix);
  return { jobsPerSecond, ...l };
}

/** Ours: the jobs queued first (in bulk through enqueue), then a queue worker drains them. */
async function ours(kind: 'postgres' | 'redis'): Promise<Measure> {
  const t = tag(kind === 'postgres' ? 'xsq_b_' : 'xsqb');
  const queue: DurableQueue<number> =
    kind === 'postgres'
      ? createPostgresQueue<number>({
          name: 'job',
          schema: t,
          connection: { ...PG, max: 20 },
          batchSize: CONCURRENCY,
          logger: silentLogger,
        })
      : createRedisQueue<number>({ name: 'job', prefix: t, logger: silentLogger });
  for (let i = 0; i < JOBS; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, JOBS - i) }, (_, k) => queue.enqueue(i + k)),
    );
  }
  const c = counter(JOBS);
  const started = new Map<number, number>();
  const worker = createQueueWorker({
    id: 'bench',
    logger: silentLogger,
    queue,
    concurrency: CONCURRENCY,
    handle: (n: number) => {
      if (n >= 1_000_000) started.set(n, performance.now());
      else c.hit();
    },
  });
  const t0 = performance.now();
  const actor = createActor(worker).start();
  await c.all;
  const jobsPerSecond = JOBS / ((performance.now() - t0) / 1_000);
  const l = await latency((n) => queue.enqueue(n), started);
  await shutdown(actor);
  await queue.close();
  await dropTag(kind, t);
  return { jobsPerSecond, ...l };
}

export const bench: Bench = {
  name: 'durable-queues',
  title: 'Durable queues on PostgreSQL and Redis',
  async run(): Promise<Headline[]> {
    console.log(
      `${fmtInt(JOBS)} no-op jobs, concurrency ${CONCURRENCY}, ${LAT_SAMPLES} latency samples\n`,
    );
    const results: [string, Measure][] = [];
    for (const [name, fn] of [
      ['graphile-worker alone', graphile],
      ['pg-boss alone, work()', pgBossAlone],
      ['pg-boss alone, fetch/complete loops', pgBossFetchLoops],
      ['ours, PostgreSQL (pg-boss)', () => ours('postgres')],
      ['BullMQ alone', bullAlone],
      ['ours, Redis (BullMQ)', () => ours('redis')],
    ] as const) {
      const m = await fn();
      results.push([name, m]);
      console.log(`  ${name}: ${fmtInt(m.jobsPerSecond)} jobs/s`);
    }
    const by = new Map(results);
    printTable(
      ['queue', 'jobs/s', 'enqueue→start p50', 'p99'],
      results.map(([n, m]) => [n, fmtInt(m.jobsPerSecond), fmtMs(m.p50), fmtMs(m.p99)]),
      'lrrr',
    );
    // The stronger of pg-boss's two ways is the baseline.
    const pgBase = Math.max(
      by.get('pg-boss alone, work()')!.jobsPerSecond,
      by.get('pg-boss alone, fetch/complete loops')!.jobsPerSecond,
    );
    const pgRatio = by.get('ours, PostgreSQL (pg-boss)')!.jobsPerSecond / pgBase;
    const redisRatio =
      by.get('ours, Redis (BullMQ)')!.jobsPerSecond / by.get('BullMQ alone')!.jobsPerSecond;

    const chaos = [];
    for (const kind of ['postgres', 'redis'] as const) {
      const backend = testBackend(kind);
      try {
        chaos.push(
          await chaosRun(backend, {
            jobs: CHAOS_JOBS,
            replicas: 3,
            concurrency: 4,
            killEvery: CHAOS_KILL_MS,
            maxKills: 1_000,
            timeout: 600_000,
          }),
        );
      } finally {
        await backend.cleanup();
      }
    }
    console.log(
      `\nKill test: 3 replica processes, a random one SIGKILLed every ${CHAOS_KILL_MS} ms\n`,
    );
    printTable(
      [
        'backend',
        'jobs',
        'kills',
        'crashes',
        'not done at the end',
        'lost',
        'duplicates',
        'bound',
        'time',
      ],
      chaos.map((r) => [
        r.kind,
        fmtInt(r.jobs),
        String(r.kills),
        String(r.crashes),
        String(r.notDone),
        String(r.lost),
        String(r.duplicates),
        String(r.bound),
        fmtMs(r.ms),
      ]),
      'lrrrrrrrr',
    );
    return [
      {
        metric: 'PostgreSQL worker jobs/s vs pg-boss alone (its faster way)',
        value: `${pgRatio.toFixed(2)}x`,
        target: '>= 0.8x',
        met: pgRatio >= 0.8,
      },
      {
        metric: 'Redis worker jobs/s vs BullMQ alone',
        value: `${redisRatio.toFixed(2)}x`,
        target: '>= 0.8x',
        met: redisRatio >= 0.8,
      },
      ...chaos.map((r) => ({
        metric: `kill test ${r.kind}: not done / lost / duplicates (bound)`,
        value: `${r.notDone} / ${r.lost} / ${r.duplicates} (${r.bound})`,
        target: 'all done, 0 lost, duplicates <= bound',
        met: r.notDone === 0 && r.duplicates <= r.bound,
      })),
    ];
  },
};

runIfMain(import.meta, bench);
