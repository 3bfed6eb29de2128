/**
 * One replica of the cluster example: a supervision tree with a singleton loop (runs on one
 * replica only) and a cluster cron job (each second fires on one replica only), registered in
 * the cluster view, with its control API on a free port. The parent (main.ts) starts three.
 */
import { createActor } from 'xstate';
import {
  createClusterCronService,
  joinCluster,
  postgresLock,
  postgresRegistry,
  postgresTickClaims,
  singleton,
} from '../../src/durable/postgres/index.ts';
import {
  createControlServer,
  createService,
  createSupervisor,
  shutdown,
  silentLogger,
} from '../../src/index.ts';

const name = process.env.REPLICA ?? 'replica';
const prefix = process.env.CLUSTER_PREFIX ?? 'cluster_example';
const connection = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  database: process.env.PGDATABASE ?? 'test',
  user: process.env.PGUSER ?? 'postgres',
};
const say = (line: string) => process.send?.({ type: 'line', line: `${name}: ${line}` });

const lock = postgresLock({ connection, prefix });
const claims = postgresTickClaims({ connection, prefix });
const registry = postgresRegistry({ connection, prefix });

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
  logger: silentLogger,
  children: [
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
const control = await createControlServer(actor, { port: 0, logger: silentLogger });
const member = await joinCluster(actor, { registry, replicaId: name, heartbeat: 250, ttl: 2_000 });
process.send?.({ type: 'up', url: control.url });

process.on('message', async (m: { type?: string }) => {
  if (m?.type !== 'stop') return;
  await member.leave();
  await control.close();
  await shutdown(actor);
  await Promise.all([lock.close(), claims.close(), registry.close()]);
  process.exit(0);
});
