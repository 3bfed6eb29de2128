/**
 * The demo behind `npm start`: a small supervision tree run with `run()`.
 *
 * - `heartbeat` ticks once a second (GCL pacing: minPeriod).
 * - `flaky` fails now and then; past maxFailures it is restarted by its supervisor.
 * - `report` is a finite job (transient): three iterations, then it ends normally.
 * - `workers` is a nested one-for-all supervisor of two queue-like workers.
 * - `connection` is a plain XState machine of our own (connecting → connected → lost), kept
 *   alive by the supervisor: when its `lost` state throws, it is restarted as a new actor.
 *
 * Every supervisor decision is printed as it happens. Once the tree runs, the demo prints the
 * inspector's URL (open it in a browser: the live tree, `flaky` failing and restarting, the
 * timeline, and buttons that command the tree) and the control API's. Ctrl+C (or `curl -X POST <url>/shutdown`) stops the tree gracefully
 * (children in reverse start order) and exits 0.
 *
 * Environment: DEMO_FLAKY_RATE (0..1, default 0.3), DEMO_TICK (ms, default 1000),
 * DEMO_CONTROL_PORT (default 0: a free port) and DEMO_INSPECTOR_PORT (default 9465; 0 for a
 * free one). A port in use is not an error here: the demo takes the next free one, as Vite
 * does, and says so (run() itself fails on a busy port: decision 0041).
 */
import { createServer } from 'node:net';
import { setup } from 'xstate';
import {
  createConsoleLogger,
  createService,
  createSupervisor,
  getTree,
  run,
  type SupervisorReport,
  supervise,
} from '../../src/index.ts';

const tick = Number(process.env.DEMO_TICK ?? 1_000);
const flakyRate = Number(process.env.DEMO_FLAKY_RATE ?? 0.3);
const logger = createConsoleLogger({ level: 'warn' });
const say = (line: string) => process.stdout.write(`${line}\n`);

const heartbeat = createService({
  id: 'heartbeat',
  minPeriod: tick,
  iterate(ctx) {
    if (ctx.iteration % 5 === 0)
      say(`heartbeat: iteration ${ctx.iteration} (generation ${ctx.generation})`);
  },
});

const flaky = createService({
  id: 'flaky',
  minPeriod: tick / 2,
  maxFailures: 2,
  iterate(ctx) {
    if (Math.random() < flakyRate)
      throw new Error(`upstream timed out (iteration ${ctx.iteration})`);
  },
});

const report = createService({
  id: 'report',
  restart: 'transient',
  pause: tick,
  iterate(ctx) {
    say(`report: building part ${ctx.iteration + 1} of 3`);
    if (ctx.iteration === 2) ctx.stop();
  },
  onStop: () => say('report: done, it will not run again (transient)'),
});

// Your own statechart: no service kind, just XState. The supervisor starts it, waits for its
// `ready` tag, restarts it when it errors, and stops it with its own `connection.close` event.
const connection = setup({
  actions: {
    dropped: () => {
      throw new Error('connection dropped by the peer');
    },
  },
}).createMachine({
  id: 'connection',
  initial: 'connecting',
  states: {
    connecting: { after: { [tick]: 'connected' } },
    connected: {
      tags: ['ready'],
      after: { [tick * 8]: 'lost' },
      on: { 'connection.close': 'closed' },
    },
    lost: { entry: 'dropped' },
    closed: { type: 'final' },
  },
});

const worker = (id: string) =>
  createService({
    id,
    interval: tick,
    onStart: () => say(`${id}: connected`),
    onStop: () => say(`${id}: disconnected`),
    async iterate(ctx) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (ctx.signal.aborted) return;
    },
  });

const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  maxRestarts: 5,
  restartWindow: 10_000,
  logger,
  children: [
    heartbeat,
    flaky,
    report,
    supervise(connection, { ready: 'ready', stop: { type: 'connection.close' } }),
    createSupervisor({
      id: 'workers',
      strategy: 'one-for-all',
      children: [worker('mailer'), worker('indexer')],
    }),
  ],
});

/** Whether 127.0.0.1 can listen on `port` now (the server is closed again at once). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * The first port from `wanted` up that is free, as Vite picks its dev server's port; after 20
 * busy ones, 0 (any free port). Someone may take it between this probe and run()'s listen: a
 * demo can live with that, an application should fail instead (run() does).
 */
async function nextFreePort(name: string, wanted: number, taken = 0): Promise<number> {
  if (wanted === 0) return 0;
  for (let port = wanted; port < wanted + 20 && port <= 65_535; port++) {
    if (port !== taken && (await canListen(port))) {
      if (port !== wanted) say(`${name}: port ${wanted} is in use; taking ${port} instead`);
      return port;
    }
  }
  say(`${name}: ports ${wanted} to ${wanted + 19} are in use; taking any free port`);
  return 0;
}

const controlPort = await nextFreePort('control API', Number(process.env.DEMO_CONTROL_PORT ?? 0));
const inspectorPort = await nextFreePort(
  'inspector',
  Number(process.env.DEMO_INSPECTOR_PORT ?? 9465),
  controlPort,
);

const describe = (r: SupervisorReport) => {
  const reason = r.reason instanceof Error ? r.reason.message : r.reason;
  const why = reason === undefined ? '' : ` (${String(reason)})`;
  return `[${r.type}] ${r.path.join('/') || r.id} generation ${r.generation}${why}`;
};

// exit: false so the demo can print its last line; it exits with run()'s code itself.
const handle = run(root, {
  logger,
  exit: false,
  // The control API on 127.0.0.1 (port 0 picks a free one): curl it while the demo runs.
  control: { port: controlPort },
  // The inspector, a live web page of the tree, also on 127.0.0.1.
  // A fixed port, so an open page reconnects by itself when the demo is restarted.
  inspector: {
    port: inspectorPort,
    title: 'xstate-supervisor demo',
  },
});
handle.actor.on('*', (r) => say(describe(r)));
say('demo: supervision tree starting; press Ctrl+C to stop');
handle.ready.then(
  ({ control, inspector }) => {
    say(`inspector: ${inspector?.url} (open it in a browser to watch the tree live)`);
    say(`control API: ${control?.url} (try: curl ${control?.url}/tree)`);
    say(`  restart a service: curl -X POST ${control?.url}/services/workers/mailer/restart`);
  },
  () => {},
);

const summary = setInterval(() => {
  const tree = getTree(handle.actor);
  const line = (tree.children ?? []).map((c) => `${c.id}=${c.state}#${c.generation}`).join(' ');
  say(`tree: ${tree.state} | ${line}`);
}, tick * 5);
summary.unref();

const result = await handle.done;
say(`demo: stopped (${result.reason}, exit code ${result.exitCode})`);
process.exit(result.exitCode);
