/**
 * One replica of the cluster example: a supervision tree with an HTTP intake that puts orders
 * on a durable PostgreSQL queue, a queue worker taking them (the three replicas share the
 * queue), a singleton loop (runs on one replica only) and a cluster cron job (each second fires
 * on one replica only), registered in the cluster view, with its control API on a free port.
 * The parent (main.ts) starts three.
 */
import pg from 'pg';
import { createActor } from 'xstate';
import {
  createClusterCronService,
  createPostgresQueue,
  joinCluster,
  postgresLock,
  postgresRegistry,
  postgresTickClaims,
  singleton,
} from '../../src/durable/postgres/index.ts';
import {
  createConsoleLogger,
  createControlServer,
  createHttpService,
  createInspectorServer,
  createQueueWorker,
  createService,
  createSupervisor,
  getTree,
  shutdown,
} from '../../src/index.ts';

const name = process.env.REPLICA ?? 'replica';
const prefix = process.env.CLUSTER_PREFIX ?? 'cluster_example';
const connection = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  database: process.env.PGDATABASE ?? 'test',
  user: process.env.PGUSER ?? 'postgres',
};
// Warnings and errors go to stderr (the driver shows them); the rest is kept quiet.
const logger = createConsoleLogger({ level: 'warn' });
const say = (line: string) => process.send?.({ type: 'line', line: `${name}: ${line}` });

const lock = postgresLock({ connection, prefix });
const claims = postgresTickClaims({ connection, prefix });
const registry = postgresRegistry({ connection, prefix });

// The durable queue every replica shares: an order taken by a replica that dies (SIGKILL)
// goes back to the others once its lease (2 s) runs out, so delivery is at least once.
interface Order {
  id: number;
}
const orders = createPostgresQueue<Order>({
  name: 'orders',
  schema: `${prefix}_queue`,
  connection,
  lease: 2_000,
  statsInterval: 200,
  logger,
});
const db = new pg.Pool({ ...connection, max: 4 });

// The front door: `POST /orders` with `{ "id": 7 }` enqueues the order (its key `order-7`
// deduplicates a retried POST) and answers 202 once the job is in PostgreSQL.
const intake = createHttpService({
  id: 'intake',
  host: '127.0.0.1',
  port: 0,
  async serve(req, res) {
    if (req.method !== 'POST' || req.url !== '/orders') {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    let id: unknown;
    try {
      id = (JSON.parse(body) as { id?: unknown } | null)?.id;
    } catch {
      // not JSON: answered 400 below
    }
    if (!Number.isInteger(id)) {
      const error = `expected a JSON body {"id": <integer>}, received ${body.slice(0, 100)}`;
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error }));
      return;
    }
    const job = await orders.enqueue({ id: id as number }, { key: `order-${id}` });
    res.writeHead(job === null ? 200 : 202, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ job, duplicate: job === null }));
  },
});

// The worker, on every replica. Each delivery is recorded; the effect (the order's row) is
// written with ON CONFLICT DO NOTHING, so a redelivered order has its effect once.
const fulfil = createQueueWorker({
  id: 'fulfil',
  queue: orders,
  concurrency: 2,
  async handle(order: Order) {
    await db.query(`insert into ${prefix}_deliveries (order_id, replica) values ($1, $2)`, [
      order.id,
      name,
    ]);
    await new Promise((r) => setTimeout(r, 200)); // the work
    await db.query(
      `insert into ${prefix}_orders (id, replica) values ($1, $2) on conflict (id) do nothing`,
      [order.id, name],
    );
  },
});

// The loop that must never run twice at once (a leader, a migration runner, a billing sweep).
const sweeper = createService({
  id: 'sweeper',
  pause: 200,
  onStart: () => say('sweeper started (this replica holds the lock)'),
  onStop: () => say('sweeper stopped'),
  iterate() {},
});

const root = createSupervisor({
  id: name,
  strategy: 'one-for-one',
  logger,
  children: [
    intake,
    fulfil,
    singleton(sweeper, { lock, name: 'sweeper', retryInterval: 100 }),
    createClusterCronService({
      id: 'heartbeat-report',
      cron: '* * * * * *',
      timezone: 'UTC',
      claims,
      catchUp: 'last',
      replica: name,
      run: (_ctx, tick) =>
        process.send?.({ type: 'tick', at: tick.at.toISOString(), replica: name }),
    }),
  ],
});

const actor = createActor(root).start();
const control = await createControlServer(actor, { port: 0, logger });
// Its inspector page: the Replicas panel lists every replica and links to each one's page.
const inspector = await createInspectorServer(actor, {
  control: { url: control.url, tokenRequired: false },
  logger,
});
const member = await joinCluster(actor, {
  registry,
  replicaId: name,
  heartbeat: 250,
  ttl: 2_000,
  queues: { orders },
  inspector: inspector.url,
});
say(`inspector at ${inspector.url}`);
// The intake listens once the tree has started it; its real port is in getTree's details.
let intakeUrl: unknown;
for (let i = 0; i < 1_000 && typeof intakeUrl !== 'string'; i++) {
  if (actor.getSnapshot().status !== 'active') throw new Error(`${name}: the tree did not start`);
  intakeUrl = getTree(actor).children?.find((c) => c.id === 'intake')?.details?.url;
  if (typeof intakeUrl !== 'string') await new Promise((r) => setTimeout(r, 10));
}
if (typeof intakeUrl !== 'string') throw new Error(`${name}: the intake did not listen in 10 s`);
process.send?.({ type: 'up', url: control.url, intake: intakeUrl });

process.on('message', async (m: { type?: string }) => {
  if (m?.type !== 'stop') return;
  await member.leave();
  await inspector.close();
  await control.close();
  await shutdown(actor);
  await Promise.all([lock.close(), claims.close(), registry.close(), orders.close(), db.end()]);
  process.exit(0);
});
