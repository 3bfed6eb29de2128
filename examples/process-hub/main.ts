/**
 * GCL's process hub policy: "if any worker ends, stop them all". In OTP terms: the workers are
 * `significant` children with `restart: 'transient'`, under a supervisor with
 * `autoShutdown: 'any-significant'`. When one of them ends on its own (normally, so a transient
 * child is not restarted), the supervisor stops every other child in reverse start order and
 * stops itself.
 *
 * - `worker-1`, `worker-2`, `worker-3`: significant, transient; `worker-2` has the shortest
 *   job and finishes first with `ctx.stop()`.
 * - `monitor`: an ordinary permanent child; it is stopped with the rest.
 *
 * Run: node --import tsx examples/process-hub/main.ts
 */
import { createActor, waitFor } from 'xstate';
import {
  createService,
  createSupervisor,
  getTree,
  type SupervisorReport,
  shutdown,
  silentLogger,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

const worker = (id: string, jobs: number) =>
  createService({
    id,
    significant: true, // its end ends the hub (autoShutdown)
    restart: 'transient', // ends normally once its jobs are done; not restarted
    minPeriod: 20,
    iterate(ctx) {
      say(`${id}: job ${ctx.iteration + 1} of ${jobs}`);
      if (ctx.iteration + 1 === jobs) ctx.stop();
    },
    onStop: () => say(`${id}: stopped`),
  });

const monitor = createService({
  id: 'monitor',
  minPeriod: 50,
  iterate() {},
  onStop: () => say('monitor: stopped'),
});

const hub = createSupervisor({
  id: 'hub',
  strategy: 'one-for-one',
  autoShutdown: 'any-significant',
  logger: silentLogger,
  children: [monitor, worker('worker-1', 5), worker('worker-2', 2), worker('worker-3', 5)],
});

const actor = createActor(hub);
actor.on('*', (event) => {
  const r = event as unknown as SupervisorReport;
  say(`[${r.type}] ${r.path.join('/')}${r.reason === undefined ? '' : ` (${String(r.reason)})`}`);
});
actor.start();

// The hub stops itself: nobody sends it a stop.
await waitFor(actor, (s) => (s as { matches(v: string): boolean }).matches('stopped'), {
  timeout: 5_000,
});
const tree = getTree(actor);
say(`hub: ${tree.state}`);
for (const c of tree.children ?? []) say(`tree: ${c.id} ${c.state} generation ${c.generation}`);
await shutdown(actor); // the hub has stopped already; this releases the actor
