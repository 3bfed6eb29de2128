/**
 * The cluster example: three replica processes against the local PostgreSQL. Orders posted
 * over HTTP to the replicas' intake go on one durable queue that the three replicas' workers
 * share; a singleton loop runs on exactly one replica; a per-second cluster cron job fires each
 * second on one of them; `GET /cluster` on any replica shows all three. The singleton's holder
 * is then killed with SIGKILL while orders are in flight: a standby takes the singleton over,
 * and the orders the dead replica held are delivered again to the others once their lease runs
 * out (at least once), while the idempotent handler writes each order's effect once. Ends by
 * itself with exit 0, and drops the tables and schema it made.
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
const intakes = new Map<string, string>();
const children = new Map<string, ChildProcess>();
// Whatever ends this program (a failed check, an error thrown anywhere), no replica outlives it.
process.on('exit', () => {
  for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
});
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
      (m: {
        type: string;
        line?: string;
        url?: string;
        intake?: string;
        at?: string;
        replica?: string;
      }) => {
        if (m.type === 'up') {
          urls.set(name, m.url!);
          intakes.set(name, m.intake!);
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

const pool = new pg.Pool({
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  database: process.env.PGDATABASE ?? 'test',
  user: process.env.PGUSER ?? 'postgres',
});
// What the order handler writes: every delivery, and the order's effect (once per order).
await pool.query(
  `create table ${prefix}_deliveries (order_id int not null, replica text not null)`,
);
await pool.query(`create table ${prefix}_orders (id int primary key, replica text not null)`);

await Promise.all(['replica-1', 'replica-2', 'replica-3'].map(start));
await until(() => holder !== undefined, 'a singleton holder');
await sleep(1_500);

// 60 orders over HTTP, spread over the three intakes as a load balancer would.
const fronts = [...intakes.values()];
const posted = Array.from({ length: 60 }, (_, i) => i + 1);
const answers = await Promise.all(
  posted.map((id, i) =>
    fetch(`${fronts[i % fronts.length]}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
    }).then((r) => r.status),
  ),
);
const accepted = answers.filter((status) => status === 202).length;
console.log(`posted ${posted.length} orders over HTTP: ${accepted} accepted (202)`);
const refused = await fetch(`${fronts[0]}/orders`, { method: 'POST', body: '{"id":"seven"}' });
console.log(`an order without an integer id: ${refused.status}`);
await sleep(500);

const view = (await (await fetch(`${urls.get('replica-2')}/cluster`)).json()) as {
  replicas: { id: string; root: { state: string } }[];
  singletons: Record<string, string | null>;
  queues: Record<string, Record<string, { queued: number; inFlight: number } | null>>;
};
console.log(`cluster: ${view.replicas.map((r) => `${r.id} ${r.root.state}`).join(', ')}`);
console.log(`sweeper held by: ${view.singletons.sweeper}`);
const depth = view.queues.orders?.['replica-2'];
if (depth) console.log(`orders queue: ${depth.queued} queued, ${depth.inFlight} in flight`);

const victim = holder!;
console.log(`SIGKILL ${victim}`);
holder = undefined;
children.get(victim)!.kill('SIGKILL');
children.delete(victim);
await until(() => holder !== undefined, 'a takeover');
console.log(`takeover by ${holder}`);

// Orders the dead replica held come back once their lease (2 s) runs out.
const handled = async () =>
  Number((await pool.query(`select count(*) as n from ${prefix}_orders`)).rows[0].n);
for (let i = 0; i < 300 && (await handled()) < posted.length; i++) await sleep(100);
await sleep(1_000);

for (const child of children.values()) child.send({ type: 'stop' });
await Promise.all([...children.values()].map((c) => new Promise((r) => c.once('exit', r))));

const seconds = ticks.map((t) => t.at);
const once = new Set(seconds).size === seconds.length;
console.log(`cron: ${ticks.length} ticks, each fired once: ${once}`);
console.log(`cron ran on: ${[...new Set(ticks.map((t) => t.replica))].sort().join(', ')}`);

const effects = (
  await pool.query<{ id: number; replica: string }>(`select id, replica from ${prefix}_orders`)
).rows;
const deliveries = (
  await pool.query<{ order_id: number; n: number }>(
    `select order_id, count(*)::int as n from ${prefix}_deliveries group by order_id`,
  )
).rows;
const delivered = new Map(deliveries.map((d) => [d.order_id, d.n]));
const missing = posted.filter((id) => !effects.some((e) => e.id === id));
const everyDelivered = posted.every((id) => (delivered.get(id) ?? 0) >= 1);
const total = deliveries.reduce((sum, d) => sum + d.n, 0);
const byReplica = new Map<string, number>();
for (const e of effects) byReplica.set(e.replica, (byReplica.get(e.replica) ?? 0) + 1);
console.log(
  `orders: ${effects.length} of ${posted.length} handled, missing: ${missing.length}, ` +
    `each effect once: ${effects.length === new Set(effects.map((e) => e.id)).size}`,
);
console.log(
  `deliveries: ${total} for ${posted.length} orders, each at least once: ${everyDelivered} ` +
    `(${total - delivered.size} delivered again after the SIGKILL)`,
);
console.log(
  `orders handled on: ${[...byReplica]
    .sort()
    .map(([r, n]) => `${r} ${n}`)
    .join(', ')}`,
);

for (const t of ['singleton_fence', 'cron_ticks', 'replicas', 'deliveries', 'orders']) {
  await pool.query(`drop table if exists ${prefix}_${t}`);
}
await pool.query(`drop schema if exists ${prefix}_queue cascade`);
await pool.end();
const ok = once && accepted === posted.length && missing.length === 0 && everyDelivered;
process.exit(ok ? 0 : 1);
