/**
 * The queue worker kind (pyaltt's queue worker): tasks put on the worker are handled
 * `concurrency` at a time, by priority, under the service lifecycle and supervision.
 */

import type { Logger } from '../core/logger.ts';
import type { ServiceContext } from '../core/service-options.ts';
import { checkFunction, checkInteger, checkOneOf, type Fail } from '../core/validate.ts';
import { defineKind, type KindParts } from './define-kind.ts';
import { type DurableQueue, isDurableQueue, type Lease } from './durable-queue.ts';
import { createMemoryQueue, type MemoryQueue, type TaskQueue } from './queue.ts';
import { markAbandonable, QueueDefinition } from './queue-worker-definition.ts';
import { bindDurable, type DurableBinding } from './queue-worker-durable.ts';
import { Generation, QueueWorkerState } from './queue-worker-generation.ts';
import {
  type OnFull,
  type PutOptions,
  QUEUE_WORKER_DEFAULTS,
  QueueFullError,
  type QueueTaskContext,
  type QueueWorkerApi,
  type QueueWorkerMachine,
  type QueueWorkerOptions,
} from './queue-worker-options.ts';
import { checkPool } from './task-pool.ts';

const OWN = [
  'handle',
  'concurrency',
  'capacity',
  'onFull',
  'stopPolicy',
  'queue',
  'onDiscard',
  'pool',
];

/** The options the inspector shows: no `config` values, which may be secrets. */
function shownOptions(common: object, own: object): object {
  const shown: Record<string, unknown> = { ...common, ...own };
  delete shown.config;
  return shown;
}

function checkQueue(queue: unknown, fail: Fail): void {
  if (queue === undefined || isDurableQueue(queue)) return;
  const q = queue as Partial<Record<keyof TaskQueue<unknown>, unknown>> | null;
  const ok =
    typeof q === 'object' &&
    q !== null &&
    ['put', 'take', 'drain', 'toArray'].every(
      (m) => typeof q[m as keyof TaskQueue<unknown>] === 'function',
    ) &&
    typeof q.size === 'number';
  if (!ok) {
    fail({
      option: 'queue',
      received: queue,
      expected:
        'a TaskQueue (put, take, drain, toArray and size), e.g. createMemoryQueue(), or a DurableQueue',
    });
  }
}

/** Options a durable queue makes meaningless: the server holds the jobs and what is left. */
function checkDurable(options: QueueWorkerOptions<unknown>, fail: Fail): void {
  for (const option of ['onFull', 'onDiscard'] as const) {
    if (options[option] === undefined) continue;
    fail({
      option,
      received: options[option],
      expected: `no \`${option}\` with a durable queue (jobs not handled stay in the server; use its dead letters)`,
    });
  }
}

/**
 * Creates a queue worker (pyaltt's queue worker): `worker.put(task, { priority })` queues a
 * task; each running actor takes tasks by priority (FIFO within one) and runs
 * `handle(task, ctx)`, up to `concurrency` at once. It is a service machine: same lifecycle,
 * failure counting, supervision and `getTree()` (with `details: { queued, inFlight,
 * processed, capacity }`, `capacity` null when unbounded).
 *
 * On stop, `stopPolicy: 'drain'` (default) handles the tasks queued when the stop began,
 * `'discard'` takes no more; the handlers in flight are awaited either way, the whole within
 * `gracefulWaitTimeout` (default `gracePeriod`). Nothing is dropped silently: the tasks left
 * go to `onDiscard`, or stay queued with a warning. A handler aborted by a kill or a hard
 * reset has its task kept (taken again first) or given to `onDiscard` once all actors stopped.
 *
 * Gotchas: the queue belongs to the definition (every actor of it shares it, restarts keep
 * it). A handler failure over `maxFailures` fails the worker without draining; the queue
 * stays for the restart. A `service.fail`/`child.fail` from outside drains like a stop.
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { createQueueWorker } from 'xstate-supervisor';
 *
 * const thumbnails = createQueueWorker({
 *   id: 'thumbnails',
 *   concurrency: 2,
 *   capacity: 100,
 *   async handle(file: string, ctx) {
 *     await fetch(`http://127.0.0.1:8080/resize?f=${file}`, { signal: ctx.signal });
 *   },
 * });
 * thumbnails.put('a.png');
 * thumbnails.put('urgent.png', { priority: 10 }); // handled first
 * const actor = createActor(thumbnails).start();
 * ```
 */
export function createQueueWorker<T>(
  options: QueueWorkerOptions<T> & { queue: DurableQueue<T> },
): QueueWorkerMachine<T, 'wait'>;
export function createQueueWorker<T>(
  options: QueueWorkerOptions<T> & { onFull: 'wait' },
): QueueWorkerMachine<T, 'wait'>;
export function createQueueWorker<T>(
  options: QueueWorkerOptions<T> & { onFull?: 'reject' },
): QueueWorkerMachine<T, 'reject'>;
export function createQueueWorker<T>(options: QueueWorkerOptions<T>): QueueWorkerMachine<T>;
export function createQueueWorker<T>(options: QueueWorkerOptions<T>): QueueWorkerMachine<T> {
  return defineKind(options, {
    own: OWN,
    hints: { iterate: 'no `iterate`: a queue worker runs `handle(task, ctx)` for each task' },
    settings: (o, fail) => queueWorkerSettings(o, fail),
    build: ({ settings, service, common }) => queueWorkerParts(settings, service.id, common),
  }) as QueueWorkerMachine<T>;
}

/** The queue worker's own options checked. */
function queueWorkerSettings<T>(options: QueueWorkerOptions<T>, fail: Fail) {
  const { handle, concurrency, capacity, onFull, stopPolicy, queue, onDiscard, pool } = options;
  checkFunction(handle, 'handle', fail, true);
  checkFunction(onDiscard, 'onDiscard', fail);
  checkQueue(queue, fail);
  const taskPool = checkPool(pool, queue, fail);
  const durable = isDurableQueue(queue) ? (queue as DurableQueue<T>) : undefined;
  if (durable) checkDurable(options as QueueWorkerOptions<unknown>, fail);
  if (queue !== undefined && capacity !== undefined) {
    fail({
      option: 'capacity',
      received: capacity,
      expected: 'no `capacity` together with `queue` (set the capacity on your queue)',
    });
  }
  if (
    capacity !== undefined &&
    capacity !== Number.POSITIVE_INFINITY &&
    (!Number.isInteger(capacity) || capacity < 1)
  ) {
    fail({ option: 'capacity', received: capacity, expected: 'an integer >= 1, or Infinity' });
  }
  return {
    handle,
    queue,
    capacity,
    onDiscard,
    taskPool,
    durable,
    concurrency:
      checkInteger(concurrency, 'concurrency', fail, 1) ?? QUEUE_WORKER_DEFAULTS.concurrency,
    stopPolicy:
      checkOneOf(stopPolicy, ['drain', 'discard'], 'stopPolicy', fail) ??
      QUEUE_WORKER_DEFAULTS.stopPolicy,
    full: checkOneOf(onFull, ['reject', 'wait'], 'onFull', fail) ?? 'reject',
  };
}

/** The queue worker's runtime: its queue, the generations handling it, `put()`. */
function queueWorkerParts<T>(
  o: ReturnType<typeof queueWorkerSettings<T>>,
  id: string,
  common: object,
): KindParts<QueueWorkerApi<T, OnFull>> {
  const { durable, taskPool, full } = o;
  // The generations handle items: the tasks themselves, or leases on a durable queue's jobs.
  type Item = T | Lease<T>;
  const binding: DurableBinding<T> | undefined = durable && bindDurable(durable, o.handle);
  const settings = {
    handle: (binding?.handle ?? o.handle) as (item: Item, ctx: QueueTaskContext) => unknown,
    concurrency: o.concurrency,
    stopPolicy: o.stopPolicy,
  };
  const taskQueue = (binding?.leases ??
    (o.queue as TaskQueue<T> | undefined) ??
    createMemoryQueue<T>({ capacity: o.capacity ?? Infinity })) as TaskQueue<Item>;
  const def = new QueueDefinition<Item>(
    id,
    taskQueue,
    o.onDiscard as ((tasks: Item[]) => unknown) | undefined,
    binding?.giveBack as ((item: Item, logger: Logger) => void) | undefined,
    taskPool && { pool: taskPool, queue: taskQueue as MemoryQueue<Item> },
  );

  const stateOf = (ctx: ServiceContext) =>
    (ctx as unknown as { local: QueueWorkerState<Item> }).local;
  const generationOf = (ctx: ServiceContext): Generation<Item> => {
    const local = stateOf(ctx);
    if (local.gen?.ctx !== ctx) {
      local.gen = new Generation(ctx, def, local, settings);
      local.gen.start();
    }
    return local.gen;
  };
  const shownCapacity = (): number | null => {
    const cap = taskQueue.capacity;
    return cap === undefined || cap === Number.POSITIVE_INFINITY ? null : cap;
  };
  const describe = (s: QueueWorkerState<Item>): Record<string, unknown> => {
    if (!durable) {
      return {
        queued: def.orphans.length + taskQueue.size,
        inFlight: s.inFlight,
        processed: s.processed,
        capacity: shownCapacity(),
        ...(taskPool ? { pool: taskPool.stats() } : {}),
      };
    }
    // The server's counts (every replica's jobs), read every statsInterval; null before.
    const stats = durable.stats();
    return {
      backend: durable.backend,
      queue: durable.name,
      queued: stats?.queued ?? null,
      inFlight: s.inFlight,
      processed: s.processed,
      capacity: null,
      leased: stats?.inFlight ?? null,
      retries: stats?.retries ?? null,
      deadLetters: stats?.deadLetters ?? null,
    };
  };
  return {
    iterate: (ctx) => generationOf(ctx).dispatch(),
    around: (paired) => ({
      // A server that does not answer fails this start (DurableConnectionError), before the
      // user's onStart sets anything up (its onStop would not run).
      async onStart(ctx) {
        await durable?.open({ concurrency: settings.concurrency });
        let vetoed: boolean;
        try {
          vetoed = paired.onStart !== undefined && (await paired.onStart(ctx)) === false;
        } catch (e) {
          await durable?.detach();
          throw e;
        }
        if (vetoed) {
          await durable?.detach();
          return false;
        }
        return true;
      },
      onStop: paired.onStop,
    }),
    open: (ctx) => {
      const local = stateOf(ctx);
      if (!local.active) {
        local.active = true;
        def.active++;
      }
      generationOf(ctx);
    },
    close: async (ctx) => {
      const local = stateOf(ctx);
      const failed = local.gen?.ctx === ctx ? local.gen.close() : false;
      if (local.active) {
        local.active = false;
        def.active--;
      }
      if (def.active === 0) await def.leftovers(ctx.logger, failed);
      if (durable) {
        // Paired with this generation's open; the last one stops consuming.
        await binding!.settled();
        await durable.detach();
      }
    },
    local: {
      create: () => new QueueWorkerState<Item>(),
      describe: (state) => describe(state as QueueWorkerState<Item>),
    },
    shown: shownOptions(common, {
      kind: 'queue-worker',
      concurrency: settings.concurrency,
      capacity: shownCapacity(),
      onFull: full,
      stopPolicy: settings.stopPolicy,
      ...(durable ? { backend: durable.backend, queue: durable.name } : {}),
      ...(taskPool ? { pool: taskPool.name } : {}),
    }),
    api: (machine) => {
      const put = (task: T, putOptions: PutOptions = {}): undefined | Promise<void> => {
        const priority = putOptions.priority ?? 0;
        if (typeof priority !== 'number' || !Number.isFinite(priority)) {
          throw new TypeError(
            `Expected \`priority\` of a task put on worker "${id}" to be a finite number, got ${String(priority)}.`,
          );
        }
        if (durable) return durable.enqueue(task, { priority }).then(() => undefined);
        if (def.tryPut(task, priority)) return full === 'wait' ? Promise.resolve() : undefined;
        if (full === 'reject') throw new QueueFullError(id, taskQueue.capacity);
        return def.putWhenRoom(task, priority, putOptions.signal);
      };
      markAbandonable(machine, def as QueueDefinition<unknown>);
      return {
        put: put as QueueWorkerApi<T, OnFull>['put'],
        // A durable queue's jobs are in the server: pending() shows none, `queue` is the durable one.
        pending: () => (durable ? [] : (def.pending() as T[])),
        queue: durable ?? (taskQueue as TaskQueue<T>),
      };
    },
  };
}
