/**
 * A supervisor's own onStart / onStop: a spool directory its children share is made before the
 * first child starts and removed after the last one stopped, at every start of the supervisor,
 * restarts by its parent included. Then a supervisor whose onStart finds a lock taken vetoes
 * its start: nothing starts, and the failure is typed.
 *
 * Run: node --import tsx examples/supervisor-hooks/main.ts
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor } from 'xstate';
import {
  createService,
  createSupervisor,
  getTree,
  run,
  type SupervisorReport,
  SupervisorStartVetoedError,
  shutdown,
  silentLogger,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

// The directory the children share; made by onStart, removed by onStop.
let spool: string | undefined;
const dirs: string[] = [];

const writer = createService({
  id: 'writer',
  minPeriod: 20,
  maxFailures: 0,
  iterate(ctx) {
    // The first generation fails on its third file: its supervisor gives up (maxRestarts 0),
    // and the root restarts the whole spool supervisor, hooks included.
    if (ctx.generation === 0 && ctx.iteration === 2) throw new Error('disk hiccup');
    writeFileSync(join(spool!, `${ctx.generation}-${ctx.iteration}.txt`), 'job\n');
  },
});

const spooler = createSupervisor({
  id: 'spooler',
  strategy: 'one-for-one',
  maxRestarts: 0, // a failure escalates to the root, which restarts this supervisor
  onStart: ({ generation }) => {
    spool = mkdtempSync(join(tmpdir(), 'spool-'));
    dirs.push(spool);
    say(`onStart spooler@${generation}: spool directory made`);
  },
  onStop: ({ generation }) => {
    const files = readdirSync(spool!).length;
    rmSync(spool!, { recursive: true, force: true });
    say(`onStop spooler@${generation}: ${files} file(s) written, spool directory removed`);
  },
  children: [writer],
});

const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  logger: silentLogger,
  children: [spooler],
});

const actor = createActor(root);
actor.on('*', (event) => {
  const r = event as unknown as SupervisorReport;
  if (r.type === 'child.started' || r.type === 'child.restarted' || r.type === 'child.failed') {
    say(`[${r.type}] ${r.path.join('/')} generation ${r.generation}`);
  }
});
actor.start();

// Wait (at most 10 s) until the restarted spooler (generation 1) has written a few files.
const deadline = Date.now() + 10_000;
for (;;) {
  const node = getTree(actor).children?.[0];
  if (node?.generation === 1 && (node.children?.[0]?.iterations ?? 0) >= 3) break;
  if (Date.now() > deadline) throw new Error('the spooler did not come back in time');
  await new Promise((r) => setTimeout(r, 20));
}
await shutdown(actor);
say(`spool directories left: ${dirs.filter((d) => existsSync(d)).length}`);

// A veto: onStart finds the lock taken and throws; no child starts.
const lock = join(tmpdir(), `spool-example-${process.pid}.lock`);
writeFileSync(lock, String(process.pid));
let workerStarted = false;
const locked = createSupervisor({
  id: 'locked',
  logger: silentLogger,
  onStart: () => {
    if (existsSync(lock)) throw new Error(`lock ${lock} is taken`);
  },
  onStop: () => say('never printed: onStart did not complete'),
  children: [
    createService({
      id: 'worker',
      iterate() {},
      onStart: () => {
        workerStarted = true;
      },
    }),
  ],
});
const { exitCode, error } = await run(locked, { exit: false, logger: silentLogger }).done;
rmSync(lock, { force: true });
say(
  `locked: exit code ${exitCode}, worker started: ${workerStarted}, ` +
    `${error instanceof SupervisorStartVetoedError ? error.code : 'unexpected error'}`,
);
say(error?.message ?? '');
