/**
 * The cluster example: three replica processes against the local PostgreSQL. A singleton loop
 * runs on exactly one of them; a per-second cluster cron job fires each second on one of them;
 * `GET /cluster` on any replica shows all three. The holder is then killed with SIGKILL and a
 * standby takes over. Ends by itself with exit 0, and drops the tables it made.
 *
 * Needs PostgreSQL at 127.0.0.1:5432 (trust auth, database `test`; PGHOST, PGPORT, PGDATABASE,
 * PGUSER override). Run: `node --import tsx examples/cluster/main.ts`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const prefix = `cluster_example_${randomBytes(3).toString('hex')}`;
const file = fileURLToPath(new URL('./replica.ts', import.meta.url));
const ticks: { at: string; replica: string }[] = [];
const urls = new Map<string, string>();
const children = new Map<string, ChildProcess>();
let holder: string | undefined;

function start(name: string): Promise<void> {
  const child = fork(file, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REPLICA: name, CLUSTER_PREFIX: prefix },
  });
  children.set(name, child);
  return new Promise((resolve, reject) => {
    child.on(
      'message',
      (m: { type: string; line?: string; url?: string; at?: string; replica?: string }) => {
        if (m.type === 'up') {
          urls.set(name, m.url!);
          resolve();
        }
        if (m.type === 'line') {
          console.log(m.line);
          if (m.line!.endsWith('holds the lock)')) holder = name;
        }
        if (m.type === 'tick') ticks.push({ at: m.at!, replica: m.replica! });
      },
    );
    child.once('exit', (code) => reject(new Error(`${name} exited early (${code})`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 1_000 && !check(); i++) await sleep(10);
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

await Promise.all(['replica-1', 'replica-2', 'replica-3'].map(start));
await until(() => holder !== undefined, 'a singleton holder');
await sleep(2_500);

const view = (await (await fetch(`${urls.get('replica-2')}/cluster`)).json()) as {
  replicas: { id: string; root: { state: string } }[];
  singletons: Record<string, string | null>;
};
console.log(`cluster: ${view.replicas.map((r) => `${r.id} ${r.root.state}`).join(', ')}`);
console.log(`sweeper held by: ${view.singletons.sweeper}`);

const victim = holder!;
console.log(`SIGKILL ${victim}`);
holder = undefined;
children.get(victim)!.kill('SIGKILL');
children.delete(victim);
await until(() => holder !== undefined, 'a takeover');
console.log(`takeover by ${holder}`);
await sleep(1_500);

for (const child of children.values()) child.send({ type: 'stop' });
await Promise.all([...children.values()].map((c) => new Promise((r) => c.once('exit', r))));

const seconds = ticks.map((t) => t.at);
const once = new Set(seconds).size === seconds.length;
console.log(`cron: ${ticks.length} ticks, each fired once: ${once}`);
console.log(`cron ran on: ${[...new Set(ticks.map((t) => t.replica))].sort().join(', ')}`);

const pool = new pg.Pool({
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  database: process.env.PGDATABASE ?? 'test',
  user: process.env.PGUSER ?? 'postgres',
});
for (const t of ['singleton_fence', 'cron_ticks', 'replicas']) {
  await pool.query(`drop table if exists ${prefix}_${t}`);
}
await pool.end();
process.exit(once ? 0 : 1);
