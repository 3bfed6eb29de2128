/**
 * A process service: a Node module run in a child process under a supervisor. Its first run
 * crashes (exit code 2); the supervisor restarts it (generation 1, a new pid); then a clean
 * shutdown stops it with SIGTERM and no child process is left.
 *
 * Run: node --import tsx examples/child-process/main.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createActor } from 'xstate';
import { createProcessService, createSupervisor, getTree, shutdown } from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const dir = mkdtempSync(join(tmpdir(), 'child-process-'));

// Print the child's forwarded output and the service's own lines, nothing else.
let working = false;
const logger = {
  debug() {},
  info: (_fields: unknown, msg?: string) => {
    if (!msg?.startsWith('[worker]')) return;
    if (msg.includes('working in pid')) working = true;
    say(`  ${msg}`);
  },
  warn: (_fields: unknown, msg?: string) => msg?.startsWith('[worker]') && say(`  ${msg}`),
  error() {},
  child: () => logger,
};

const worker = createProcessService({
  id: 'worker',
  module: fileURLToPath(new URL('./child.mjs', import.meta.url)),
  args: [join(dir, 'crashed-once')],
  // Room for the child to finish on SIGTERM even on a loaded machine; SIGKILL only after that.
  gracePeriod: 5_000,
});
const root = createSupervisor({ id: 'root', strategy: 'one-for-one', children: [worker], logger });
const actor = createActor(root);
actor.on('child.restarted', () => say('supervisor: restarted worker after its crash'));
actor.start();

function node() {
  return getTree(actor).children?.[0];
}
async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((r) => setTimeout(r, 10));
}

await until(() => node()?.state === 'running');
const first = node()?.details?.pid;
say(`worker running, generation 0, pid ${first}`);
await until(() => node()?.generation === 1 && node()?.state === 'running');
const second = node();
say(`worker running, generation ${second?.generation}, pid ${second?.details?.pid}`);
say(`last error: ${second?.lastError?.message.split('\n')[0]}`);
// The child says it works once it has booted and can take SIGTERM gracefully.
await until(() => working);
await shutdown(actor);
const pid = second?.details?.pid as number;
let alive = true;
try {
  process.kill(pid, 0);
} catch {
  alive = false;
}
// How it ended: its own SIGTERM handler exits with code 0; a child killed by a signal shows it.
const ended = node()?.details;
const how = ended?.signal ? `killed by ${ended.signal}` : `exit code ${ended?.exitCode}`;
say(`shut down; child ${pid} ${alive ? 'STILL ALIVE' : 'is gone'} (${how})`);
rmSync(dir, { recursive: true, force: true });
process.exitCode = alive ? 1 : 0;
