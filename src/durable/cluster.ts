/**
 * The cluster view: each replica writes a record of itself (its root's state, the singletons it
 * holds or waits for, its queues' depths) to a registry with an expiry, on a heartbeat; any
 * replica reads them all back (`GET /cluster` on the control API).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { getTree } from '../actors/tree.ts';
import type { TreeNode } from '../core/tree-node.ts';
import type { AnyActorRef } from '../internal/xstate.ts';
import type { DurableQueueStats } from '../kinds/durable-queue.ts';

/**
 * One replica as the registry keeps it.
 *
 * @example
 * ```ts
 * const holders = (await member.view()).replicas.filter((r) => r.singletons.some((s) => s.role === 'holder'));
 * ```
 */
export interface ReplicaRecord {
  /** The replica's id (`<hostname>:<pid>:<random>` unless given). */
  readonly id: string;
  /** The host name of the machine it runs on (`os.hostname()`). */
  readonly host: string;
  /** Its process id on that host. */
  readonly pid: number;
  /** When it joined (`Date.now()` of that moment). */
  readonly startedAt: number;
  /** When it last wrote its record (`Date.now()` of that moment); each heartbeat moves it. */
  readonly heartbeatAt: number;
  /** Its root and the root's direct children, with their states. */
  readonly root: {
    readonly id: string;
    readonly state: string;
    readonly children: readonly { readonly id: string; readonly state: string }[];
  };
  /** Every singleton in its tree: the lock name, its path, and whether it holds it. */
  readonly singletons: readonly {
    readonly name: string;
    readonly path: string;
    readonly role: 'holder' | 'standby';
    readonly token?: number;
  }[];
  /** Durable queues' stats by the name given in `joinCluster`'s `queues`. */
  readonly queues: Readonly<Record<string, DurableQueueStats | null>>;
  /** The URL of its inspector page, when it gave one (`joinCluster`'s `inspector`). */
  readonly inspector?: string;
}

/**
 * Where replicas register: `postgresRegistry(...)` or `redisRegistry(...)`.
 *
 * @example
 * ```ts
 * await registry.put(record, 5_000);
 * console.log((await registry.list()).map((r) => r.id));
 * ```
 */
export interface ReplicaRegistry {
  /** Which server keeps the records. */
  readonly backend: 'postgres' | 'redis';
  /** Writes `record`, listed until `ttl` ms from now unless written again. */
  put(record: ReplicaRecord, ttl: number): Promise<void>;
  /** The records not expired. */
  list(): Promise<ReplicaRecord[]>;
  /** Forgets a replica at once (it left). */
  remove(id: string): Promise<void>;
  /** Closes the connections the registry opened (a PostgreSQL `pool` you gave it stays open). */
  close(): Promise<void>;
}

/**
 * What `GET /cluster` answers.
 *
 * @example
 * ```ts
 * const view: ClusterView = await member.view();
 * console.log(view.singletons); // { leader: 'host:123:ab12cd34' }
 * ```
 */
export interface ClusterView {
  /** This replica's id. */
  readonly self: string;
  /** Every replica whose record has not expired, this one included. */
  readonly replicas: readonly ReplicaRecord[];
  /** Each singleton's name and the replica holding it (null when none reports holding it). */
  readonly singletons: Readonly<Record<string, string | null>>;
  /** Each queue's stats as the replicas report them, by replica. */
  readonly queues: Readonly<Record<string, Readonly<Record<string, DurableQueueStats | null>>>>;
}

/**
 * Options of {@link joinCluster}.
 *
 * @example
 * ```ts
 * const options: JoinClusterOptions = { registry, heartbeat: 1_000, ttl: 5_000, queues: { mail } };
 * ```
 */
export interface JoinClusterOptions {
  /** Where to register. Required. */
  registry: ReplicaRegistry;
  /** This replica's id. @default `<hostname>:<pid>:<random>` */
  replicaId?: string;
  /** How often the record is written, in ms. @default 1000 */
  heartbeat?: number;
  /** How long a record stays listed without a heartbeat, in ms. @default 5000 */
  ttl?: number;
  /** Durable queues whose `stats()` go in the record. */
  queues?: Record<string, { stats(): DurableQueueStats | undefined }>;
  /**
   * The URL of this replica's inspector page, shown as a link by the other replicas'
   * inspectors (their cluster panel). @default undefined (no link)
   */
  inspector?: string;
}

/**
 * A replica's membership: its id, the cluster as the registry sees it, and `leave()`.
 *
 * @example
 * ```ts
 * const member: ClusterMember = await joinCluster(actor, { registry });
 * await member.leave();
 * ```
 */
export interface ClusterMember {
  /** This replica's id in the registry (`joinCluster`'s `replicaId`, or the one it made). */
  readonly replicaId: string;
  /** Reads every replica's record (one round trip). */
  view(): Promise<ClusterView>;
  /** Stops the heartbeat, waits for a write in flight, and removes the record. */
  leave(): Promise<void>;
}

const members = new WeakMap<AnyActorRef, ClusterMember>();

/** The membership `joinCluster` made for a root actor, for `GET /cluster`. @internal */
export function clusterMemberOf(actor: AnyActorRef): ClusterMember | undefined {
  return members.get(actor);
}

function collectSingletons(
  node: TreeNode,
  path: string[],
  out: ReplicaRecord['singletons'][number][],
) {
  const s = (
    node.details as
      | { singleton?: { name: string; role: 'holder' | 'standby'; token?: number } }
      | undefined
  )?.singleton;
  if (s && node.state === 'running') {
    out.push({
      name: s.name,
      path: path.join('/'),
      role: s.role,
      ...(s.token === undefined ? {} : { token: s.token }),
    });
  }
  for (const c of node.children ?? []) collectSingletons(c, [...path, c.id], out);
}

/** The record of a replica from its tree. @internal */
export function replicaRecord(
  actor: AnyActorRef,
  base: { id: string; startedAt: number },
  queues: JoinClusterOptions['queues'] = {},
): ReplicaRecord {
  const tree = getTree(actor);
  const singletons: ReplicaRecord['singletons'][number][] = [];
  for (const c of tree.children ?? []) collectSingletons(c, [c.id], singletons);
  const q: Record<string, DurableQueueStats | null> = {};
  for (const [name, queue] of Object.entries(queues)) q[name] = queue.stats() ?? null;
  return {
    id: base.id,
    host: os.hostname(),
    pid: process.pid,
    startedAt: base.startedAt,
    heartbeatAt: Date.now(),
    root: {
      id: tree.id,
      state: tree.state,
      children: (tree.children ?? []).map((c) => ({ id: c.id, state: c.state })),
    },
    singletons,
    queues: q,
  };
}

/**
 * Registers this replica (the tree of `actor`) in `registry`: writes its record now (rejecting
 * with a `DurableConnectionError` if the backend cannot be reached), then every `heartbeat` ms;
 * a record not refreshed within `ttl` drops out of the view. The control API of `actor` then
 * answers `GET /cluster`. A heartbeat that fails is retried at the next one (the record may
 * expire meanwhile; that is what the view should show).
 *
 * @example
 * ```ts
 * import { joinCluster, postgresRegistry } from 'xstate-supervisor/postgres';
 *
 * const { actor } = run(root, { control: { port: 0 } });
 * const member = await joinCluster(actor, { registry: postgresRegistry({ connection: { database: 'app' } }) });
 * console.log((await member.view()).replicas.length);
 * ```
 */
export async function joinCluster(
  actor: AnyActorRef,
  options: JoinClusterOptions,
): Promise<ClusterMember> {
  const { registry } = options;
  const heartbeat = options.heartbeat ?? 1_000;
  const ttl = options.ttl ?? 5_000;
  const base = {
    id: options.replicaId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    startedAt: Date.now(),
  };
  const write = () => {
    const record = replicaRecord(actor, base, options.queues);
    return registry.put(
      options.inspector === undefined ? record : { ...record, inspector: options.inspector },
      ttl,
    );
  };
  await write();
  // The heartbeat in flight, if any: `leave()` waits for it, or its write would land after the
  // removal and list the replica again until its ttl ran out.
  let writing: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (writing) return;
    writing = write()
      .catch(() => undefined)
      .finally(() => {
        writing = undefined;
      });
  }, heartbeat);
  timer.unref();
  const member: ClusterMember = {
    replicaId: base.id,
    async view() {
      const replicas = await registry.list();
      const singletons: Record<string, string | null> = {};
      const queues: Record<string, Record<string, DurableQueueStats | null>> = {};
      for (const r of replicas) {
        for (const s of r.singletons) {
          if (s.role === 'holder') singletons[s.name] = r.id;
          else if (!(s.name in singletons)) singletons[s.name] = null;
        }
        for (const [name, stats] of Object.entries(r.queues)) {
          const byReplica = queues[name] ?? {};
          byReplica[r.id] = stats;
          queues[name] = byReplica;
        }
      }
      return { self: base.id, replicas, singletons, queues };
    },
    async leave() {
      clearInterval(timer);
      members.delete(actor);
      await writing;
      await registry.remove(base.id).catch(() => undefined);
    },
  };
  members.set(actor, member);
  return member;
}
