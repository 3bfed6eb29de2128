/**
 * Cron services: `heartbeat` fires every second (`* * * * * *`); its first run is slow on
 * purpose (1.2 s), so it overlaps the next fire time, which is skipped (logged at warn), and
 * the run after that starts on the following whole second. `report` fires at 09:00 in Tokyo
 * and is only there to show its next fire times, in UTC, in `getTree()`. About 3 s in all.
 *
 * Run: node --import tsx examples/cron/main.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createActor } from 'xstate';
import {
  type CronDetails,
  createConsoleLogger,
  createCronService,
  createSupervisor,
  getTree,
  shutdown,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
/**
 * The nearest whole second, UTC (fire times are whole seconds; a Node timer may fire a
 * millisecond early, so truncating could show the second before).
 */
const second = () => new Date(Math.round(Date.now() / 1_000) * 1_000).toISOString().slice(11, 19);

let secondRunStarted: () => void = () => {};
const secondRun = new Promise<void>((resolve) => {
  secondRunStarted = resolve;
});

const heartbeat = createCronService({
  id: 'heartbeat',
  cron: '* * * * * *',
  timezone: 'UTC',
  async run(ctx) {
    say(
      `${second()}  heartbeat run ${ctx.iteration} starts${ctx.iteration === 0 ? ' (takes 1.2 s)' : ''}`,
    );
    if (ctx.iteration === 0) await sleep(1_200, undefined, { signal: ctx.signal });
    else secondRunStarted();
  },
});

const report = createCronService({
  id: 'report',
  cron: '0 0 9 * * *', // 09:00:00 every day ...
  timezone: 'Asia/Tokyo', // ... in Tokyo: 00:00:00 UTC
  run() {
    say('report runs');
  },
});

const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  children: [heartbeat, report],
  logger: createConsoleLogger({
    level: 'warn',
    write: (line) => say(`${second()}  ${line.slice(13)}`),
  }),
});

const actor = createActor(root).start();
await Promise.race([secondRun, sleep(5_000, undefined, { ref: false })]);

for (const child of getTree(actor).children ?? []) {
  const d = child.details as CronDetails | undefined;
  say(`${child.id}: ${child.state}, cron "${d?.cron}" in ${d?.timezone}, skipped ${d?.skipped}`);
  if (child.id === 'report') say(`  next fire times (UTC): ${d?.next.join(', ')}`);
}
await shutdown(actor);
say(`stopped: ${getTree(actor).state}`);
