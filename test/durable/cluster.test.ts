/**
 * The cluster view: replicas register in the backend with a heartbeat, and `GET /cluster` on
 * the control API lists them, their roots' states and who holds which singleton.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { shutdown } from '../../src/actors/shutdown.ts';
import { getTree } from '../../src/actors/tree.ts';
import { createControlServer } from '../../src/control/server.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { type ClusterView, joinCluster, type ReplicaRegistry } from '../../src/durable/cluster.ts';
import { postgresLock, postgresRegistry } from '../../src/durable/postgres/cluster.ts';
import { redisRegistry } from '../../src/durable/redis/cluster.ts';
import { singleton } from '../../src/durable/singleton.ts';
import { createService } from '../../src/machines/service.ts';
import { createSupervisor } from '../../src/machines/supervisor.ts';
import {
  dropPgPrefix,
  dropRedisPrefix,
  freshPrefix,
  PG,
  redisClient,
  until,
} from '../fixtures/cluster/harness.ts';

function replicaTree(prefix: string) {
  const lock = postgresLock({ connection: PG, prefix });
  const root = createSupervisor({
    id: 'app',
    strategy: 'one-for-one',
    logger: silentLogger,
    children: [
      singleton(createService({ id: 'leader', pause: 10, iterate() {} }), {
        lock,
        name: 'leader',
        retryInterval: 20,
      }),
    ],
  });
  return { lock, actor: createActor(root).start() };
}

const roleOf = (actor: ReturnType<typeof replicaTree>['actor']) =>
  (getTree(actor).children?.[0]?.details as { singleton?: { role: string } } | undefined)?.singleton
    ?.role;

describe('GET /cluster over a PostgreSQL registry', () => {
  const prefix = freshPrefix();
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ ...PG, max: 2 });
  });
  afterAll(async () => {
    await dropPgPrefix(pool, prefix);
  });

  it('lists both replicas, their roots, the singleton holder, and drops a replica that left', async () => {
    const one = replicaTree(prefix);
    await until('one to hold', () => roleOf(one.actor) === 'holder');
    const two = replicaTree(prefix);
    await until('two in standby', () => roleOf(two.actor) === 'standby');
    const registry = postgresRegistry({ connection: PG, prefix });
    const m1 = await joinCluster(one.actor, { registry, replicaId: 'one', heartbeat: 50 });
    const m2 = await joinCluster(two.actor, { registry, replicaId: 'two', heartbeat: 50 });
    const control = await createControlServer(two.actor, {
      port: 0,
      token: 'secret-token',
      logger: silentLogger,
    });
    try {
      const get = (token?: string) =>
        fetch(`${control.url}/cluster`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
      expect((await get()).status).toBe(401);
      const res = await get('secret-token');
      expect(res.status).toBe(200);
      const view = (await res.json()) as ClusterView;
      expect(view.self).toBe('two');
      expect(view.replicas.map((r) => r.id)).toEqual(['one', 'two']);
      expect(view.replicas.map((r) => r.root.state)).toEqual(['running', 'running']);
      expect(view.replicas[0]!.root.children).toEqual([{ id: 'leader', state: 'running' }]);
      expect(view.singletons).toEqual({ leader: 'one' });
      expect(view.replicas[1]!.singletons).toEqual([
        { name: 'leader', path: 'leader', role: 'standby' },
      ]);
      // The holder leaves: the other takes over, and the heartbeat shows it.
      await m1.leave();
      await shutdown(one.actor);
      await until('two to hold', () => roleOf(two.actor) === 'holder');
      const after = await until('the view to show two as holder', async () => {
        const v = (await (await get('secret-token')).json()) as ClusterView;
        return v.singletons.leader === 'two' ? v : undefined;
      });
      expect(after.replicas.map((r) => r.id)).toEqual(['two']);
    } finally {
      await control.close();
      await m2.leave();
      await shutdown(two.actor);
      await Promise.all([one.lock.close(), two.lock.close(), registry.close()]);
    }
  }, 60_000);

  it('answers 404 NO_CLUSTER on a replica that has not joined', async () => {
    const actor = createActor(
      createSupervisor({ id: 'alone', children: [], logger: silentLogger }),
    ).start();
    const control = await createControlServer(actor, { port: 0, logger: silentLogger });
    try {
      const res = await fetch(`${control.url}/cluster`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NO_CLUSTER');
    } finally {
      await control.close();
      await shutdown(actor);
    }
  });

  it('leave() waits for a heartbeat in flight, so the record it removes is not written back', async () => {
    const real = postgresRegistry({ connection: PG, prefix });
    // The real registry, with the test holding a heartbeat's write open once it has begun.
    let hold: { release: () => void; begun: () => void } | undefined;
    const begun = new Promise<void>((resolve) => {
      hold = { release: () => undefined, begun: resolve };
    });
    const released = new Promise<void>((resolve) => {
      hold!.release = resolve;
    });
    let puts = 0;
    let held: Promise<void> | undefined;
    const registry: ReplicaRegistry = {
      ...real,
      put: (record, ttl) => {
        puts += 1;
        if (puts !== 2) return real.put(record, ttl);
        hold!.begun();
        held = released.then(() => real.put(record, ttl));
        return held;
      },
    };
    const actor = createActor(
      createSupervisor({ id: 'leaver', children: [], logger: silentLogger }),
    ).start();
    const member = await joinCluster(actor, { registry, replicaId: 'leaver', heartbeat: 20 });
    try {
      await begun;
      const left = member.leave();
      hold!.release();
      await left;
      await held;
      expect((await real.list()).map((r) => r.id)).not.toContain('leaver');
    } finally {
      await shutdown(actor);
      await real.close();
    }
  });

  it('rejects joining with a typed error naming host and port when the registry is unreachable', async () => {
    const actor = createActor(
      createSupervisor({ id: 'alone', children: [], logger: silentLogger }),
    ).start();
    const registry = postgresRegistry({
      connection: { ...PG, port: 1, connectTimeout: 1_000 },
      prefix,
    });
    try {
      await expect(joinCluster(actor, { registry })).rejects.toMatchObject({
        code: 'DURABLE_UNREACHABLE',
        message: expect.stringContaining('127.0.0.1:1'),
      });
    } finally {
      await shutdown(actor);
      await registry.close();
    }
  });
});

describe('the Redis registry', () => {
  const prefix = freshPrefix();
  afterAll(async () => {
    await dropRedisPrefix(await redisClient(), prefix);
  });

  it('lists a record until its ttl passes without a heartbeat', async () => {
    const registry: ReplicaRegistry = redisRegistry({ prefix });
    const actor = createActor(
      createSupervisor({ id: 'r', children: [], logger: silentLogger }),
    ).start();
    const member = await joinCluster(actor, {
      registry,
      replicaId: 'x',
      heartbeat: 60_000,
      ttl: 300,
    });
    try {
      expect((await registry.list()).map((r) => r.id)).toEqual(['x']);
      await until('the record to expire', async () => (await registry.list()).length === 0);
    } finally {
      await member.leave();
      await shutdown(actor);
      await registry.close();
    }
  });
});
