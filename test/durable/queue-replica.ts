/**
 * One replica of an application with a durable queue worker, run as its own process by the
 * crash and chaos tests: it handles the jobs of queue `XSQ_QUEUE` and writes `done <task>
 * <attempt>` once a job's work is over (before the job is completed in the server, so a kill
 * in between shows as a duplicate). `XSQ_HANG=<task>` makes that task's handler hang (to be
 * killed mid-job). SIGTERM stops it gracefully through run().
 */

import { silentLogger } from '../../src/core/logger.ts';
import { createPostgresQueue } from '../../src/durable/postgres/index.ts';
import { createRedisQueue } from '../../src/durable/redis/index.ts';
import { createQueueWorker } from '../../src/kinds/queue-worker.ts';
import { createSupervisor } from '../../src/machines/supervisor.ts';
import { run } from '../../src/run/run.ts';
import { PG } from './queue-helpers.ts';

const env = process.env;
const tag = env.XSQ_TAG!;
const name = env.XSQ_QUEUE ?? 'jobs';
const lease = Number(env.XSQ_LEASE ?? 2_000);
const retry = { attempts: Number(env.XSQ_ATTEMPTS ?? 50), backoff: 'fixed' as const, delay: 1_000 };
const queue =
  env.XSQ_BACKEND === 'postgres'
    ? createPostgresQueue<string>({
        name,
        schema: tag,
        lease,
        retry,
        pollInterval: 200,
        logger: silentLogger,
        connection: { ...PG, applicationName: tag },
      })
    : createRedisQueue<string>({
        name,
        prefix: tag,
        lease,
        retry,
        maxRedeliveries: 1_000,
        logger: silentLogger,
        connection: { host: '127.0.0.1', port: 6379, name: tag },
      });
const work = Number(env.XSQ_WORK_MS ?? 0);
const hang = env.XSQ_HANG;
const worker = createQueueWorker({
  id: 'jobs',
  queue,
  concurrency: Number(env.XSQ_CONCURRENCY ?? 1),
  gracePeriod: 10_000,
  async handle(task: string) {
    process.stdout.write(`started ${task}\n`);
    if (task === hang) await new Promise(() => {});
    if (work > 0) await new Promise((r) => setTimeout(r, work));
    process.stdout.write(`done ${task}\n`);
  },
});
const handle = run(createSupervisor({ id: 'replica', children: [worker] }), {
  logger: silentLogger,
  shutdownTimeout: 20_000,
});
await handle.ready;
process.stdout.write('ready\n');
void handle.done.then(() => queue.close());
