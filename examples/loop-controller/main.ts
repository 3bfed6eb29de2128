/**
 * SuperLoops' LoopController, with xstate-supervisor.
 *
 * A LoopController runs several loops; when one of them fails more than `max_loop_failures`
 * times, it stops every loop, calls `reset_callback`, and starts them all again. Here:
 *
 * - `controller` is a one-for-all supervisor (the LoopController), `onReset` its reset_callback;
 * - `reader` reports a failure on every iteration of its first generation (SuperLoops
 *   `failure()`, here `ctx.fail()`); failure number `maxFailures + 1` fails the loop;
 * - `writer` is healthy, but one-for-all restarts it along with `reader`;
 * - `metrics` has `resetGlobally: false` (SuperLoops `reset_globally=False`): the reset does
 *   not touch it, it keeps generation 0.
 *
 * Run: node --import tsx examples/loop-controller/main.ts
 */
import { createActor } from 'xstate';
import {
  createService,
  createSupervisor,
  getTree,
  type SupervisorReport,
  shutdown,
  silentLogger,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

const reader = createService({
  id: 'reader',
  minPeriod: 20,
  maxFailures: 2, // SuperLoops max_loop_failures
  onStart: (ctx) => say(`reader: started, generation ${ctx.generation}`),
  iterate(ctx) {
    // Generation 0 has a broken upstream; after the reset it works again.
    if (ctx.generation === 0) ctx.fail(new Error(`upstream down (iteration ${ctx.iteration})`));
  },
});

const writer = createService({
  id: 'writer',
  minPeriod: 20,
  onStart: (ctx) => say(`writer: started, generation ${ctx.generation}`),
  onStop: (ctx) => say(`writer: stopped, generation ${ctx.generation}`),
  iterate() {},
});

const metrics = createService({
  id: 'metrics',
  minPeriod: 20,
  resetGlobally: false, // SuperLoops reset_globally=False
  onStart: (ctx) => say(`metrics: started, generation ${ctx.generation}`),
  onStop: (ctx) => say(`metrics: stopped, generation ${ctx.generation}`),
  iterate() {},
});

let resets = 0;
const controller = createSupervisor({
  id: 'controller',
  strategy: 'one-for-all', // the LoopController behaviour (also the default)
  logger: silentLogger, // the reports below tell the story; the logger would repeat it on stderr
  onReset() {
    resets++;
    say('onReset: every loop of the group is stopped; resetting shared state');
  },
  children: [reader, writer, metrics],
});

const actor = createActor(controller);
actor.on('*', (event) => {
  const r = event as unknown as SupervisorReport;
  const reason = r.reason instanceof Error ? r.reason.message : r.reason;
  say(`[${r.type}] ${r.path.join('/')} generation ${r.generation}${reason ? ` (${reason})` : ''}`);
});

// Resolves once `reader` and `writer` are running again after the reset.
const restarted = new Promise<void>((resolve) => {
  const seen = new Set<string>();
  actor.on('child.restarted', (r) => {
    seen.add(r.id);
    if (seen.has('reader') && seen.has('writer')) resolve();
  });
});

actor.start();
await restarted;

const tree = getTree(actor);
for (const child of tree.children ?? []) {
  say(`tree: ${child.id} ${child.state} generation ${child.generation}`);
}
say(`onReset called ${resets} time(s)`);

await shutdown(actor);
say('controller stopped');
