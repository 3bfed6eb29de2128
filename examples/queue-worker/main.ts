/**
 * A queue worker under a one-for-one supervisor: tasks with priorities, two at a time, a
 * bounded queue that refuses the overflow, a task that breaks the worker (the supervisor
 * restarts it and the queued tasks survive), then a graceful shutdown that drains the queue.
 * Last, a second worker with `stopPolicy: 'discard'` shows where unprocessed tasks go.
 *
 * Run: node --import tsx examples/queue-worker/main.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createActor } from 'xstate';
import {
  createQueueWorker,
  createSupervisor,
  getTree,
  QueueFullError,
  shutdown,
  silentLogger,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
let brokeOnce = false;

const thumbnails = createQueueWorker({
  id: 'thumbnails',
  concurrency: 2,
  capacity: 6,
  maxFailures: 0, // the first failing task fails the worker: the supervisor restarts it
  async handle(file: string, ctx) {
    if (file === 'corrupt.png' && !brokeOnce) {
      brokeOnce = true;
      throw new Error(`cannot decode ${file}`);
    }
    await sleep(100, undefined, { signal: ctx.signal });
    say(`  resized ${file} (generation ${ctx.generation})`);
  },
});

const root = createActor(
  createSupervisor({
    id: 'root',
    strategy: 'one-for-one',
    logger: silentLogger,
    children: [thumbnails],
  }),
);
root.on('child.failed', (r) => say(`[child.failed] ${r.id}: ${(r.reason as Error).message}`));
root.on('child.restarted', (r) => say(`[child.restarted] ${r.id} generation ${r.generation}`));
root.start();

say('--- priorities: urgent first, then in the order put ---');
for (const file of ['a.png', 'b.png', 'c.png']) thumbnails.put(file);
thumbnails.put('urgent.png', { priority: 10 });
await sleep(250);

say('--- a full queue refuses the overflow ---');
for (let i = 1; i <= 8; i++) {
  try {
    thumbnails.put(`bulk-${i}.png`);
  } catch (e) {
    if (!(e instanceof QueueFullError)) throw e;
    say(`  bulk-${i}.png refused: ${e.code} (capacity ${e.capacity})`);
  }
}
await sleep(450);

say('--- a failing task: restart, and the queued tasks survive ---');
for (const file of ['corrupt.png', 'after-1.png', 'after-2.png']) thumbnails.put(file);
await sleep(300);

say('--- shutdown drains what is queued ---');
for (const file of ['last-1.png', 'last-2.png', 'last-3.png']) thumbnails.put(file);
await sleep(20);
say(`  still queued at shutdown (two in flight): ${thumbnails.pending().join(', ')}`);
await shutdown(root);
const details = getTree(root).children?.[0]?.details;
say(`  tree details: ${JSON.stringify(details)}`);

say("--- stopPolicy 'discard': the rest goes to onDiscard ---");
const mailer = createQueueWorker({
  id: 'mailer',
  stopPolicy: 'discard',
  logger: silentLogger,
  async handle(to: string) {
    await sleep(100);
    say(`  sent mail to ${to}`);
  },
  onDiscard(tasks) {
    say(`  onDiscard got ${tasks.length} task(s): ${tasks.join(', ')}`);
  },
});
for (const to of ['ann', 'bob', 'cy']) mailer.put(to);
const lone = createActor(mailer).start();
await sleep(50);
await shutdown(lone);
say('done');
