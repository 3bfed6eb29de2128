/**
 * Escalation: restart intensity exceeded at the bottom of a tree climbs up to the root.
 *
 *   root (maxRestarts 0)
 *   └── mid (maxRestarts 1)
 *       └── inner (maxRestarts 1)
 *           └── leaf: fails on every first iteration
 *
 * `inner` restarts `leaf` once; the next failure exceeds its intensity, so `inner` stops its
 * children and fails. `mid` restarts `inner` once (a fresh `inner` with a fresh window), which
 * fails the same way; `mid` fails. `root` allows no restart at all: it fails, and `run()` ends
 * with exit code 1.
 *
 * `run()` is called with `exit: false` so the example can print the RunResult instead of
 * exiting the process with code 1. The example itself then exits 0: it worked as intended.
 *
 * Run: node --import tsx examples/escalation/main.ts
 */
import {
  createService,
  createSupervisor,
  getTree,
  IntensityExceededError,
  run,
  type SupervisorReport,
  silentLogger,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

const leaf = createService({
  id: 'leaf',
  minPeriod: 10,
  maxFailures: 0, // the first failure fails the service
  iterate(ctx) {
    throw new Error(`leaf broke (generation ${ctx.generation})`);
  },
});

const inner = createSupervisor({ id: 'inner', maxRestarts: 1, children: [leaf] });
const mid = createSupervisor({ id: 'mid', maxRestarts: 1, children: [inner] });
const root = createSupervisor({ id: 'root', maxRestarts: 0, children: [mid] });

// silentLogger: the reports printed below tell the story (run() would log the failure too).
const handle = run(root, { exit: false, logger: silentLogger });

/** The nested messages of an escalation get long: an intensity error is named, not quoted. */
function why(reason: unknown): string {
  if (reason instanceof IntensityExceededError) return ': restart intensity exceeded';
  if (reason instanceof Error) return `: ${reason.message}`;
  return reason === undefined ? '' : `: ${String(reason)}`;
}

// One listener on the root sees the whole tree: reports bubble up with their path.
handle.actor.on('*', (event) => {
  const r = event as unknown as SupervisorReport;
  const where = r.path.length === 0 ? `${r.id} (itself)` : r.path.join('/');
  say(`[${r.type}] ${where} generation ${r.generation}${why(r.reason)}`);
});

const result = await handle.done;
const tree = getTree(handle.actor);
say(`tree: root ${tree.state}, mid ${tree.children?.[0]?.state}`);
say(`RunResult: exitCode ${result.exitCode}, reason ${result.reason}`);
say(`RunResult error: ${result.error?.message}`);
say('(without exit: false, run() would have exited the process with code 1)');
process.exit(0);
