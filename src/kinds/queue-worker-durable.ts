/**
 * A queue worker over a {@link DurableQueue}: the worker's generations take leases instead of
 * tasks, a handler's end settles its lease (complete, or fail: a retry or a dead letter), and a
 * handler given up (kill, hard reset, timeout) hands its job back to the server.
 * Internal: `createQueueWorker` builds on it; nothing here is exported from the package.
 */
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { DurableQueue, Lease } from './durable-queue.ts';
import type { TaskQueue } from './queue.ts';
import type { QueueTaskContext } from './queue-worker-options.ts';

/** What the worker needs of a durable queue. @internal */
export interface DurableBinding<T> {
  /** The leases as the generations' queue: `take` only (the server holds the jobs). */
  readonly leases: TaskQueue<Lease<T>>;
  /** The user's handler, settling the lease by its outcome. */
  readonly handle: (lease: Lease<T>, ctx: QueueTaskContext) => Promise<void>;
  /** Hands a job back to the server (its handler did not finish). */
  giveBack(lease: Lease<T>, logger: Logger): void;
  /** Every hand-back started so far has settled. */
  settled(): Promise<void>;
}

/** Binds a durable queue and a handler for a worker. @internal */
export function bindDurable<T>(
  queue: DurableQueue<T>,
  userHandle: (task: T, ctx: QueueTaskContext) => unknown,
): DurableBinding<T> {
  const pending = new Set<Promise<void>>();
  const leases: TaskQueue<Lease<T>> = {
    put: () => {
      throw new TypeError('A durable queue takes jobs by enqueue(), not put().');
    },
    take: (signal) => queue.take(signal),
    drain: () => [],
    toArray: () => [],
    // Nothing waits in this process: the jobs wait in the server (shown by stats()).
    size: 0,
  };
  return {
    leases,
    async handle(lease, ctx) {
      const lost = lease.signal;
      const own = lost ? withLease(ctx, lost) : { ctx, done() {} };
      try {
        await userHandle(lease.task, own.ctx);
      } catch (e) {
        // The lease is lost: the job is the server's again; the loss is the handler's outcome.
        if (lost?.aborted) throw lost.reason;
        // Given up (kill, timeout): the worker hands the job back; no attempt is spent.
        if (!ctx.signal.aborted) await lease.fail(toError(e));
        throw e;
      } finally {
        own.done();
      }
      if (lost?.aborted) throw lost.reason;
      await lease.complete();
    },
    giveBack(lease, logger) {
      const p = lease.release().catch((e: unknown) => {
        logger.warn(
          { job: lease.id, err: toError(e) },
          'could not hand a job back to the queue; it is delivered again once its lease expires',
        );
      });
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/**
 * The handler's context with a signal of its own: aborted by the worker's (kill, timeout) or
 * by the lease's loss, with that one's reason. `done` unhooks it from both. @internal
 */
function withLease(
  ctx: QueueTaskContext,
  lost: AbortSignal,
): { ctx: QueueTaskContext; done(): void } {
  const own = new AbortController();
  const sources = [ctx.signal, lost];
  const onAbort = (event: Event) => {
    done();
    own.abort((event.target as AbortSignal).reason);
  };
  const done = () => {
    for (const s of sources) s.removeEventListener('abort', onAbort);
  };
  const first = sources.find((s) => s.aborted);
  if (first) own.abort(first.reason);
  else for (const s of sources) s.addEventListener('abort', onAbort, { once: true });
  return { ctx: { ...ctx, signal: own.signal }, done };
}
