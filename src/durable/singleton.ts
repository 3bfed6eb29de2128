/**
 * `singleton(child, { lock, name })`: a service that runs `child` on exactly one replica at a
 * time. Every replica runs the wrapper; the one holding the lock runs the child, the others
 * wait in standby and take over when the holder dies or loses its connection (decision 0081).
 */

import { lifecycleOf } from '../actors/own-runtime.ts';
import { shutdown } from '../actors/shutdown.ts';
import { getTree } from '../actors/tree.ts';
import type { ServiceContext } from '../core/service-options.ts';
import type { TreeNode } from '../core/tree-node.ts';
import type { Fail } from '../core/validate.ts';
import { type AnyActorRef, createActor } from '../internal/xstate.ts';
import { defineKind } from '../kinds/define-kind.ts';
import { localOf } from '../kinds/scheduled-state.ts';
import type { ServiceMachine } from '../machines/service.ts';
import { Doorbell } from './abortable.ts';
import type { LockLease, SingletonLock } from './lock.ts';

/**
 * Options of {@link singleton}.
 *
 * @example
 * ```ts
 * const options: SingletonOptions = { lock: postgresLock({}), name: 'billing', retryInterval: 250 };
 * ```
 */
export interface SingletonOptions {
  /** The lock backend (`postgresLock(...)` or `redisLock(...)`). Required. */
  lock: SingletonLock;
  /** The lock's name, the same on every replica (`[A-Za-z0-9_.:-]+`). Required. */
  name: string;
  /** The wrapper's id in the tree. @default the child's id */
  id?: string;
  /** How often a standby tries to take the lock, in ms. @default 500 */
  retryInterval?: number;
  /** As in `createService`. @default 'permanent' */
  restart?: 'permanent' | 'transient' | 'temporary';
  /**
   * Failures of the wrapper (the backend unreachable, the child failed) tolerated before it
   * fails and its supervisor applies its strategy. @default 0 (the first fails it)
   */
  maxFailures?: number;
  /** How long a stop waits (the child's own stop included). @default 10000 */
  gracePeriod?: number;
}

/**
 * What a singleton shows in `getTree()` as `details`.
 *
 * @example
 * ```ts
 * const s = (getTree(actor).details as SingletonDetails | undefined)?.singleton;
 * if (s?.role === 'standby') console.log(`waiting for ${s.name}`);
 * ```
 */
export interface SingletonDetails {
  /** The lock this replica holds or waits for, and its role. */
  readonly singleton: {
    /** The lock's name (`singleton`'s `name`), the same on every replica. */
    readonly name: string;
    /** Which server keeps the lock. */
    readonly backend: 'postgres' | 'redis';
    /** `holder`: this replica runs the child; `standby`: another does (or none yet). */
    readonly role: 'holder' | 'standby';
    /** The fencing token of the lease, while holder. */
    readonly token?: number;
    /** When this replica became holder (`Date.now()`). */
    readonly since?: number;
    /** Times this replica took the lock in this generation. */
    readonly acquisitions: number;
  };
  /** The child's own node, while this replica runs it. */
  readonly child?: TreeNode;
}

interface SingletonState {
  role: 'holder' | 'standby';
  token: number | undefined;
  since: number | undefined;
  acquisitions: number;
  actor: AnyActorRef | undefined;
}

const NAME = /^[A-Za-z0-9_.:-]+$/;

/** Resolves with the child's end state once it has stopped, failed or gone back to idle. */
function ended(actor: AnyActorRef): Promise<'stopped' | 'failed'> {
  return new Promise((resolve) => {
    const check = () => {
      const state = lifecycleOf((actor.getSnapshot() as { value: unknown }).value);
      if (state === 'failed') resolve('failed');
      else if (state === 'stopped' || state === 'idle') resolve('stopped');
      else return false;
      return true;
    };
    if (check()) return;
    const sub = actor.subscribe({
      next: () => {
        if (check()) sub.unsubscribe();
      },
      error: () => resolve('failed'),
      complete: () => resolve('stopped'),
    });
  });
}

/**
 * The common service options a singleton takes, with its own defaults: `id` the child's,
 * `maxFailures` 0, `gracePeriod` 10000 (`restart` is `createService`'s, `'permanent'`).
 */
const COMMON = ['id', 'maxFailures', 'gracePeriod', 'restart'] as const;

/** The singleton's own options. */
const OWN = ['lock', 'name', 'retryInterval'];

/**
 * Wraps a service or supervisor machine so that it runs on exactly one replica at a time. The
 * wrapper is an ordinary service (put it in any supervisor): in standby it tries the lock every
 * `retryInterval`; once it holds it, it starts `child` and runs it until the lease is lost (the
 * child is stopped and the wrapper goes back to standby), the child ends (a failure fails the
 * wrapper, so its supervisor restarts it per its strategy) or the wrapper is stopped (the child
 * stops, then the lock is released). A standby wrapper is `running`, so `/readyz` counts it
 * ready; `details.singleton.role` says `holder` or `standby`.
 *
 * Gotcha: `lost` is noticed within the backend's check interval; a child that writes to shared
 * state should carry the lease's fencing token (`lock.held(name)?.token`) so a write from a
 * paused old holder is refused.
 *
 * @example
 * ```ts
 * import { createService, createSupervisor } from 'xstate-supervisor';
 * import { postgresLock, singleton } from 'xstate-supervisor/postgres';
 *
 * const lock = postgresLock({ connection: { database: 'app' } });
 * const root = createSupervisor({
 *   id: 'root',
 *   children: [singleton(createService({ id: 'leader', pause: 1_000, iterate() {} }), { lock, name: 'leader' })],
 * });
 * ```
 */
export function singleton(child: object, options: SingletonOptions): ServiceMachine {
  return defineKind(options, {
    common: COMMON,
    own: OWN,
    settings: (o, fail) => singletonSettings(child, o, fail),
    defaults: ({ childId }) => ({ id: childId, maxFailures: 0, gracePeriod: 10_000 }),
    build: ({ settings: { lock, name, retryInterval } }) => ({
      iterate: singletonIteration(child, lock, name, retryInterval),
      local: {
        create: (): SingletonState => ({
          role: 'standby',
          token: undefined,
          since: undefined,
          acquisitions: 0,
          actor: undefined,
        }),
        describe: (state) => {
          const s = state as SingletonState;
          return {
            singleton: {
              name,
              backend: lock.backend,
              role: s.role,
              ...(s.token === undefined ? {} : { token: s.token }),
              ...(s.since === undefined ? {} : { since: s.since }),
              acquisitions: s.acquisitions,
            },
            ...(s.actor ? { child: getTree(s.actor) } : {}),
          } satisfies SingletonDetails;
        },
      },
      shown: { singleton: name, lock: lock.backend, retryInterval },
    }),
  });
}

/** Checks `lock`, `name`, the child and `retryInterval`, in this order. */
function singletonSettings(child: object, options: SingletonOptions, fail: Fail) {
  const lock = options.lock;
  if (!lock || typeof lock.tryAcquire !== 'function') {
    fail({
      option: 'lock',
      received: lock,
      expected: 'a lock backend: postgresLock(...) or redisLock(...)',
    });
  }
  if (typeof options.name !== 'string' || !NAME.test(options.name)) {
    fail({ option: 'name', received: options.name, expected: 'a lock name of [A-Za-z0-9_.:-]+' });
  }
  const childId = (child as { id?: unknown } | null)?.id;
  if (
    typeof childId !== 'string' ||
    typeof (child as { transition?: unknown }).transition !== 'function'
  ) {
    return fail({
      option: 'child',
      received: child,
      expected: 'a service or supervisor machine (createService, createSupervisor)',
    });
  }
  const retryInterval = options.retryInterval ?? 500;
  if (!Number.isFinite(retryInterval) || retryInterval < 1) {
    fail({ option: 'retryInterval', received: retryInterval, expected: 'a number of ms >= 1' });
  }
  return { lock, name: options.name, childId, retryInterval };
}

/**
 * One iteration: in standby, try the lock every `retryInterval`; once held, run the child
 * until the lease is lost (back to standby), the child ends or the wrapper stops.
 */
function singletonIteration(
  child: object,
  lock: SingletonLock,
  name: string,
  retryInterval: number,
) {
  return async (ctx: ServiceContext): Promise<void> => {
    const s = localOf<SingletonState>(ctx);
    while (!ctx.signal.aborted) {
      s.role = 'standby';
      const lease: LockLease | null = await lock.tryAcquire(name);
      if (!lease) {
        await new Doorbell().wait(retryInterval, ctx.signal);
        continue;
      }
      if (ctx.signal.aborted) {
        await lease.release();
        return;
      }
      s.role = 'holder';
      s.token = lease.token;
      s.since = Date.now();
      s.acquisitions++;
      ctx.logger.info({ singleton: name, token: lease.token }, 'singleton lock taken; starting');
      const actor = createActor(
        child as never,
        { input: { logger: ctx.logger } } as never,
      ) as unknown as AnyActorRef;
      s.actor = actor;
      actor.start();
      const abort = new Promise<'abort'>((resolve) => {
        if (ctx.signal.aborted) resolve('abort');
        ctx.signal.addEventListener('abort', () => resolve('abort'), { once: true });
      });
      const outcome = await Promise.race([ended(actor), lease.lost.then((e) => e), abort]);
      if (outcome !== 'stopped' && outcome !== 'failed') {
        await shutdown(actor).catch(() => undefined);
      }
      const tree = getTree(actor);
      s.actor = undefined;
      s.role = 'standby';
      s.token = undefined;
      s.since = undefined;
      await lease.release();
      if (outcome instanceof Error) {
        ctx.logger.warn(
          { singleton: name, err: outcome },
          'singleton lock lost; child stopped, back to standby',
        );
        continue;
      }
      if (outcome === 'abort') return;
      if (outcome === 'failed') {
        throw new Error(
          `singleton "${name}": child "${tree.id}" failed${tree.lastError ? `: ${tree.lastError.message}` : ''}`,
        );
      }
      ctx.stop();
      return;
    }
  };
}
