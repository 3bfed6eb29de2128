/**
 * Recipe (docs/recipes/cron-job.md): a nightly job at 02:30 Paris time, supervised, with its
 * next fire times in the tree and a `run-now` action an operator can call over the control API.
 *
 * The part after the recipe plays the operator: it reads the next fire times, runs the job
 * once by hand with perform(), and stops the run.
 *
 * Run: node --import tsx examples/recipes/cron-job/main.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createCronService,
  createSupervisor,
  getTree,
  perform,
  run,
  type ServiceContext,
} from '../../../src/index.ts';

async function buildReport(ctx: ServiceContext): Promise<{ rows: number }> {
  await sleep(20, undefined, { signal: ctx.signal }); // stands for the real work
  ctx.logger.info({ generation: ctx.generation }, 'report built');
  return { rows: 42 };
}

const nightly = createCronService({
  id: 'nightly-report',
  cron: '0 30 2 * * *', // sec min hour day month weekday: 02:30:00 every day...
  timezone: 'Europe/Paris', // ...in Paris, summer time included
  maxFailures: 2, // the third failed run of a generation fails it; the supervisor restarts it
  gracePeriod: 30_000, // on shutdown, a run in progress gets 30 s to finish
  run: (ctx) => buildReport(ctx),
  actions: {
    // POST /actions/nightly-report/run-now, or perform(url, 'nightly-report', 'run-now')
    'run-now': (_data, ctx) => buildReport(ctx),
  },
});

const token = process.env.CONTROL_TOKEN ?? crypto.randomUUID();
const root = createSupervisor({ id: 'root', strategy: 'one-for-one', children: [nightly] });
const handle = run(root, { control: { port: 0, token } });

// --- The operator: the next fire times, a run by hand, then a graceful stop. ---

const { control } = await handle.ready;
const node = getTree(handle.actor).children!.find((c) => c.id === 'nightly-report')!;
const { next } = node.details as { next: string[] };
console.log(`next runs: ${next.length}, first at ${new Date(next[0] ?? '').toISOString()}`);
const result = await perform(control!.url, 'nightly-report', 'run-now', null, { token });
console.log(`run-now: ${JSON.stringify(result)}`);
await handle.stop();
console.log(`stopped: ${(await handle.done).reason}`);
