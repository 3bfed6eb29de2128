/**
 * What a singleton lock backend gives: one lease per name across every replica, a fencing token
 * that grows with each new holder, and a promise that settles when the lease is lost. The
 * PostgreSQL (session advisory locks) and Redis (SET NX PX + INCR) backends implement it.
 */
import { XstateSupervisorError } from '../core/errors.ts';

/**
 * The lease of a singleton lock, held by this process until `release()` or until it is lost.
 *
 * @example
 * ```ts
 * const lease = await lock.tryAcquire('billing');
 * if (lease) {
 *   await db.query('update jobs set token = $1 where token < $1', [lease.token]); // fencing
 *   await lease.release();
 * }
 * ```
 */
export interface LockLease {
  /** The lock's name. */
  readonly name: string;
  /**
   * The fencing token: larger than every token handed out for this name before. Pass it to
   * whatever the holder writes to, which refuses writes carrying a smaller token than it saw.
   */
  readonly token: number;
  /** Resolves (never rejects) with why, once the lease is lost (connection dropped, expired). */
  readonly lost: Promise<Error>;
  /** Asks the server whether this lease still holds the lock (one round trip). */
  check(): Promise<boolean>;
  /** Gives the lock back (idempotent); another replica can take it at once. */
  release(): Promise<void>;
}

/**
 * A singleton lock backend: `postgresLock(...)` from `xstate-supervisor/postgres` or
 * `redisLock(...)` from `xstate-supervisor/redis`. One per process is enough; it serves any
 * number of names.
 *
 * @example
 * ```ts
 * const lock: SingletonLock = postgresLock({ connection: { database: 'app' } });
 * const leader = singleton(createService({ id: 'leader', iterate() {} }), { lock, name: 'leader' });
 * ```
 */
export interface SingletonLock {
  /** `postgres` or `redis`. */
  readonly backend: 'postgres' | 'redis';
  /** The longest a standby waits after the holder died before it can take over, in ms. */
  readonly takeoverBound: number;
  /**
   * Takes the lock if it is free and returns its lease, or null if another holds it. Rejects
   * with a `DurableConnectionError` when the server cannot be reached.
   */
  tryAcquire(name: string): Promise<LockLease | null>;
  /** The lease this process holds for `name`, if any. */
  held(name: string): LockLease | undefined;
  /** Releases every lease and closes the connections. */
  close(): Promise<void>;
}

/**
 * A lease was lost while held (`SINGLETON_LOCK_LOST`): its connection dropped, a renewal failed
 * or came too late, or another replica took the lock over.
 *
 * @example
 * ```ts
 * const reason = await lease.lost;
 * if (reason instanceof LockLostError) console.warn(`lost ${reason.lockName}: ${reason.message}`);
 * ```
 */
export class LockLostError extends XstateSupervisorError {
  /** The lock's name. */
  readonly lockName: string;
  constructor(name: string, why: string, cause?: unknown) {
    super('SINGLETON_LOCK_LOST', `Singleton lock "${name}" was lost: ${why}.`, { cause });
    this.lockName = name;
  }
}

/** A promise and its resolver, for `lost`. @internal */
export function lossSignal(): {
  lost: Promise<Error>;
  lose: (e: Error) => void;
  isLost: () => boolean;
} {
  let lose!: (e: Error) => void;
  let done = false;
  const lost = new Promise<Error>((resolve) => {
    lose = (e) => {
      if (done) return;
      done = true;
      resolve(e);
    };
  });
  return { lost, lose, isLost: () => done };
}

/**
 * A lease from a backend's parts: `probe` asks the server, `giveBack` stops the backend's timers
 * and frees the lock server-side; release is idempotent and settles `lost`. @internal
 */
export function createLease(parts: {
  name: string;
  token: number;
  loss: ReturnType<typeof lossSignal>;
  held: Map<string, LockLease>;
  probe: () => Promise<boolean>;
  giveBack: () => Promise<unknown>;
}): LockLease {
  const { name, loss, held } = parts;
  let released = false;
  const lease: LockLease = {
    name,
    token: parts.token,
    lost: loss.lost,
    async check() {
      if (loss.isLost()) return false;
      return parts.probe().catch(() => false);
    },
    async release() {
      if (released) return;
      released = true;
      held.delete(name);
      loss.lose(new LockLostError(name, 'released'));
      await parts.giveBack().catch(() => undefined);
    },
  };
  held.set(name, lease);
  return lease;
}
