/**
 * Periodic services: a fixed-rate sampler and a fixed-delay flusher side by side under one
 * supervisor, for about 1.5 s. One sample is slow on purpose, so the fixed-rate schedule
 * skips the slots it overran (logged at warn) and then carries on exactly on its grid.
 *
 * - sampler: `every: 200`, `schedule: 'fixed-rate'`: runs at +0, +200, +400, ... Run 2 takes
 *   450 ms (400 → 850), so the slots at +600 and +800 are skipped and run 3 starts at +1000.
 * - flusher: `every: 300`, `delay: 100`, fixed delay: each run takes 100 ms and the next
 *   starts 300 ms after it ended: +100, +500, +900, +1300.
 *
 * Run: node --import tsx examples/periodic/main.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createActor } from 'xstate';
import {
  createConsoleLogger,
  createPeriodicService,
  createSupervisor,
  getTree,
  type PeriodicDetails,
  shutdown,
} from '../../src/index.ts';

const t0 = performance.now();
/** Milliseconds since the start, rounded to the schedule's 50 ms steps for stable output. */
const at = () => `+${Math.round((performance.now() - t0) / 50) * 50} ms`;
const say = (line: string) => process.stdout.write(`${line}\n`);

const sampler = createPeriodicService({
  id: 'sampler',
  every: 200,
  schedule: 'fixed-rate',
  overlap: 'skip',
  async run(ctx) {
    say(`${at()}  sampler run ${ctx.iteration} starts`);
    if (ctx.iteration === 2) await sleep(450, undefined, { signal: ctx.signal });
  },
});

const flusher = createPeriodicService({
  id: 'flusher',
  every: 300,
  delay: 100,
  async run(ctx) {
    say(`${at()}  flusher run ${ctx.iteration} starts (takes 100 ms)`);
    await sleep(100, undefined, { signal: ctx.signal });
  },
});

const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  children: [sampler, flusher],
  // Warnings (the skipped slots) go to stdout so they show in order with the runs.
  logger: createConsoleLogger({
    level: 'warn',
    write: (line) => say(`${at()}  ${line.slice(13)}`),
  }),
});

const actor = createActor(root).start();
await sleep(1_450);

for (const child of getTree(actor).children ?? []) {
  const d = child.details as PeriodicDetails | undefined;
  say(
    `${child.id}: ${child.state}, ${child.iterations} runs, schedule ${d?.schedule}, ` +
      `every ${d?.every} ms, skipped ${d?.skipped}, next run in ~${Math.round((d?.nextRunIn ?? 0) / 50) * 50} ms`,
  );
}
await shutdown(actor);
say(`stopped: ${getTree(actor).state}`);
