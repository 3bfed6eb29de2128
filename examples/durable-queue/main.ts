/**
 * A durable queue on the local PostgreSQL: jobs that outlive the process, taken by a supervised
 * queue worker. It enqueues in a transaction of its own (with the order row), deduplicates by
 * key, delays a job, retries a flaky one and dead-letters a broken one, then stops by itself.
 *
 *   node --import tsx examples/durable-queue/main.ts
 *
 * Needs PostgreSQL at 127.0.0.1:5432 (trust auth, database `test`; set PGDATABASE, PGUSER,
 * PGHOST, PGPORT to change). Everything it creates lives in schema `durable_queue_example`
 * (or DURABLE_EXAMPLE_SCHEMA), dropped at the end.
 */
import pg from 'pg';
import { createActor } from 'xstate';
import { createPostgresQueue } from '../../src/durable/postgres/index.ts';
import { createQueueWorker, createSupervisor, getTree, shutdown } from '../../src/index.ts';

const connection = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  database: process.env.PGDATABASE ?? 'test',
  user: process.env.PGUSER ?? 'postgres',
};
const schema = process.env.DURABLE_EXAMPLE_SCHEMA ?? 'durable_queue_example';

interface Email {
  to: string;
  order?: number;
}

const emails = createPostgresQueue<Email>({
  name: 'emails',
  schema,
  connection,
  lease: 5_000,
  retry: { attempts: 2, backoff: 'fixed', delay: 1_000 },
  statsInterval: 200,
});

const sent: string[] = [];
let flakyCalls = 0;
const mailer = createQueueWorker({
  id: 'mailer',
  queue: emails,
  concurrency: 2,
  maxFailures: 5,
  async handle(email: Email, ctx) {
    if (email.to === 'flaky@example.com' && ++flakyCalls === 1) {
      throw new Error('SMTP 421, try again later');
    }
    if (email.to === 'broken@example.com') throw new Error('SMTP 550, no such mailbox');
    // An idempotent send: a redelivered job (after a crash) must not mail twice in real life.
    sent.push(email.to);
    console.log(`sent to ${email.to} (generation ${ctx.generation})`);
  },
});
const root = createSupervisor({ id: 'app', strategy: 'one-for-one', children: [mailer] });

// 1. Enqueue in your own transaction: the job exists only if the order row commits.
const app = new pg.Client(connection);
await app.connect();
await app.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
await app.query(`CREATE TABLE IF NOT EXISTS ${schema}.orders (id int PRIMARY KEY)`);
await app.query('BEGIN');
await app.query(`INSERT INTO ${schema}.orders (id) VALUES (42) ON CONFLICT DO NOTHING`);
await emails.enqueue({ to: 'buyer@example.com', order: 42 }, { client: app, key: 'order-42' });
await app.query('COMMIT');
await app.query('BEGIN');
await emails.enqueue({ to: 'ghost@example.com', order: 43 }, { client: app });
await app.query('ROLLBACK'); // no order 43, so no e-mail either
console.log('enqueued order 42 in a committed transaction, order 43 in a rolled-back one');

// 2. A job key deduplicates: the second enqueue adds nothing.
const again = await emails.enqueue({ to: 'buyer@example.com', order: 42 }, { key: 'order-42' });
console.log(`enqueue order-42 again: ${again === null ? 'deduplicated' : 'added'}`);

// 3. Priorities, a delay, a flaky job (retried) and a broken one (dead-lettered).
await emails.enqueue({ to: 'newsletter@example.com' }, { priority: -5 });
await emails.enqueue({ to: 'reset-password@example.com' }, { priority: 10 });
await emails.enqueue({ to: 'reminder@example.com' }, { delay: 1_000 });
await emails.enqueue({ to: 'flaky@example.com' });
await emails.enqueue({ to: 'broken@example.com' });

const actor = createActor(root).start();
const deadline = Date.now() + 30_000;
while (sent.length < 5 || (await emails.deadLetters()).length < 1) {
  if (Date.now() > deadline) throw new Error('the example did not finish within 30 s');
  await new Promise((r) => setTimeout(r, 100));
}
const [dead] = await emails.deadLetters();
console.log(`dead letter: ${dead?.task.to} after 2 attempts`);
await new Promise((r) => setTimeout(r, 300)); // let the counts refresh
const details = getTree(actor).children?.[0]?.details as { processed: number; deadLetters: number };
console.log(`mailer: processed ${details.processed}, dead letters ${details.deadLetters}`);

await shutdown(actor);
await emails.close();
await app.query(`DROP SCHEMA ${schema} CASCADE`);
await app.end();
console.log('done');
