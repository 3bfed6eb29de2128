/**
 * An event worker under a supervisor: `trigger()` runs the handler; triggers that arrive while
 * it runs coalesce into exactly one more run. A run that throws is a failure like any
 * iteration's: with `maxFailures: 0` the supervisor restarts the worker (generation 1).
 *
 * Run: node --import tsx examples/event-worker/main.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createActor } from 'xstate';
import {
  createEventWorker,
  createSupervisor,
  getTree,
  shutdown,
  silentLogger,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
let run = 0;
let failNext = false;

const reindex = createEventWorker({
  id: 'reindex',
  maxFailures: 0,
  async handle(ctx) {
    const n = ++run;
    say(`  run ${n} started (generation ${ctx.generation})`);
    if (failNext) {
      failNext = false;
      throw new Error('index locked');
    }
    await sleep(200, undefined, { signal: ctx.signal });
    say(`  run ${n} finished`);
  },
});

const root = createActor(
  createSupervisor({ id: 'root', logger: silentLogger, children: [reindex] }),
);
root.on('child.failed', (r) => say(`[child.failed] ${r.id}: ${(r.reason as Error).message}`));
root.on('child.restarted', (r) => say(`[child.restarted] ${r.id} generation ${r.generation}`));
root.start();
await sleep(20);

const details = () => JSON.stringify(getTree(root).children?.[0]?.details);

say('--- one trigger, one run ---');
say(`trigger() -> ${reindex.trigger()}`);
await sleep(300);

say('--- three triggers during a run coalesce into one more run ---');
reindex.trigger();
await sleep(50);
const answers = [reindex.trigger(), reindex.trigger(), reindex.trigger()];
say(`trigger() x3 during run -> ${answers.join(', ')}`);
say(`  details: ${details()}`);
await sleep(500);
say(`  details: ${details()}`);

say('--- a run that throws fails the worker; the supervisor restarts it ---');
failNext = true;
reindex.trigger();
await sleep(100);
reindex.trigger();
await sleep(300);

await shutdown(root);
say(`runs in all: ${run}`);
