/**
 * A recurring service that polls an in-memory inbox and decides its own pace: 20 ms while
 * there is work, doubling up to 160 ms while there is none ('skip' keeps the pace once it is
 * at its slowest), and 'stop' once the producer is done and the inbox is empty. It is
 * `transient`, so its normal end is not restarted. Next to it, a periodic service with
 * `shield: true` whose run in flight survives the shutdown.
 *
 * Run: node --import tsx examples/recurring/main.ts
 */
import { createActor } from 'xstate';
import {
  createPeriodicService,
  createRecurringService,
  createSupervisor,
  getTree,
  type RecurringDetails,
  shutdown,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const quiet = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };

const inbox: string[] = [];
let produced = 0;
const producer = setInterval(() => {
  if (produced < 6) inbox.push(`job-${produced++}`);
  else clearInterval(producer);
}, 50);

let idle = 20;
const poller = createRecurringService({
  id: 'poller',
  every: 20,
  restart: 'transient',
  logger: quiet,
  run() {
    const job = inbox.shift();
    if (job) {
      say(`poller: handled ${job}`);
      idle = 20;
      return 20;
    }
    if (produced === 6) {
      say('poller: producer done and inbox empty: stop');
      return 'stop';
    }
    if (idle >= 160) return 'skip';
    idle *= 2;
    return idle;
  },
});

/** Set by the main flow to hear when the next flush starts. */
let onFlushStart: (() => void) | undefined;

const flusher = createPeriodicService({
  id: 'flusher',
  every: 200,
  shield: true,
  gracePeriod: 2_000,
  logger: quiet,
  async run(ctx) {
    if (onFlushStart) say('flusher: flush started (300 ms)');
    onFlushStart?.();
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (ctx.signal.aborted || !onFlushStart) return;
    say('flusher: flush finished, its signal not aborted by the stop');
  },
});

const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  children: [flusher, poller],
  logger: quiet,
});
const actor = createActor(root).start();

await new Promise<void>((resolve) => {
  const sub = actor.on('child.stopped', (e: { id: string }) => {
    if (e.id !== 'poller') return;
    sub.unsubscribe();
    resolve();
  });
});
const node = getTree(actor).children?.find((c) => c.id === 'poller');
const details = node?.details as RecurringDetails;
say(`poller: ${node?.state} after ${node?.iterations} runs, ${details.skipped} skipped`);

// Shut down while a flush is in flight: the shield lets it finish.
await new Promise<void>((resolve) => {
  onFlushStart = resolve;
});
say('shutting down while a flush is in flight');
await shutdown(actor);
say('stopped');
