/**
 * The getting-started guide's program (docs/getting-started.md): a statechart of your own and a
 * loop of background work under one supervisor, run as an application with the inspector open.
 * Both fail now and then and come back as new generations. It stops itself after
 * EXAMPLE_SECONDS (default 6; set it to 600 to look around, or press Ctrl+C).
 *
 * Run: node --import tsx examples/getting-started/main.ts
 */
import { fromPromise, setup } from 'xstate';
import { createService, createSupervisor, run, supervise } from '../../src/index.ts';

// Your own statechart, as you would write it anyway. This connection drops 4 s after it
// connects: the action of the `dropped` state throws, which leaves a plain XState actor dead.
const connection = setup({
  actors: { connect: fromPromise(async () => 'connected') },
  actions: {
    drop: () => {
      throw new Error('connection dropped');
    },
  },
}).createMachine({
  id: 'connection',
  initial: 'connecting',
  states: {
    connecting: { invoke: { src: 'connect', onDone: 'connected' } },
    connected: { tags: ['ready'], after: { 4000: 'dropped' }, on: { close: 'closed' } },
    dropped: { entry: 'drop' },
    closed: { type: 'final' },
  },
});

// A loop of background work: an iteration every 500 ms; the eighth one of each run fails.
const ticker = createService({
  id: 'ticker',
  minPeriod: 500,
  maxFailures: 0, // the first failure ends this generation; the supervisor starts a new one
  iterate(ctx) {
    if (ctx.iteration === 7) throw new Error('tick 7 went wrong');
  },
});

// The supervisor: starts its children in order, restarts them when they end.
const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one', // restart only the child that ended
  maxRestarts: 10, // more than 10 restarts...
  restartWindow: 10_000, // ...within 10 s and the supervisor gives up (exit code 1)
  children: [
    // running once its 'ready' tag holds; stopped gracefully with its own event
    supervise(connection, { ready: 'ready', stop: { type: 'close' } }),
    ticker,
  ],
});

// Run it as the application, with the control API and the inspector on free ports of
// 127.0.0.1 (the inspector's buttons go through the control API).
const handle = run(root, { control: { port: 0 }, inspector: { port: 0 } });

// Every decision of the supervisor is an event on its actor.
handle.actor.on('child.restarted', (r) => {
  console.log(`[child.restarted] ${r.path.join('/')} generation ${r.generation}`);
});

const { inspector } = await handle.ready;
console.log(`inspector: ${inspector?.url}`);

// A graceful stop after EXAMPLE_SECONDS, as Ctrl+C does (delete these lines to keep it running).
const seconds = Number(process.env.EXAMPLE_SECONDS ?? 6);
const timer = setTimeout(() => void handle.stop(), seconds * 1_000);
const { exitCode, reason } = await handle.done;
clearTimeout(timer);
console.log(`stopped: ${reason}, exit code ${exitCode}`);
