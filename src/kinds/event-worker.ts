/**
 * The event worker kind (pyaltt's event worker): `trigger()` runs the handler; triggers that
 * arrive while it runs coalesce into one more run.
 */

import type { ServiceContext, ServiceOptions } from '../core/service-options.ts';
import { checkFunction } from '../core/validate.ts';
import type { ServiceMachine } from '../machines/service.ts';
import { defineKind } from './define-kind.ts';

/**
 * Options of {@link createEventWorker}: `handle`, plus the common service options (`id`,
 * `maxFailures`, `gracePeriod`, `gracefulWaitTimeout`, `cancelOnTimeout`, `restart`,
 * `resetGlobally`, `significant`, `onStart`, `onStop`, `actions`, `logger`). No `iterate` and
 * no pacing: a run starts when a trigger is pending and no run is going on.
 *
 * @example
 * ```ts
 * const options: EventWorkerOptions = {
 *   id: 'reindex',
 *   async handle(ctx) {
 *     await fetch('http://127.0.0.1:9200/_refresh', { method: 'POST', signal: ctx.signal });
 *   },
 * };
 * ```
 */
export interface EventWorkerOptions
  extends Omit<
    ServiceOptions,
    'iterate' | 'minPeriod' | 'pause' | 'interval' | 'delayBefore' | 'delayAfter'
  > {
  /**
   * One run; sync or async, with the service context (`ctx.signal` aborts on stop). A throw or
   * rejection is a failure of the service, counted like an iteration's. Required.
   */
  handle: (ctx: ServiceContext) => unknown;
}

/**
 * What an event worker machine adds to a service machine.
 *
 * @example
 * ```ts
 * const api: EventWorkerApi = createEventWorker({ id: 'flush', handle() {} });
 * api.trigger(); // true: a run is due
 * api.trigger(); // false: coalesced into it
 * ```
 */
export interface EventWorkerApi {
  /**
   * Asks for a run. Returns `true` when this trigger made a run due, `false` when one was
   * already due (it coalesced into it). A run going on does not count: the first trigger
   * during a run makes exactly one more run due, the next ones coalesce into that one.
   * With no actor running, the run is due at the next start.
   */
  trigger(): boolean;
}

/**
 * An event worker: a service machine (run it with `createActor` or under a supervisor) with
 * `trigger()`. See {@link EventWorkerApi}.
 *
 * @example
 * ```ts
 * const worker: EventWorkerMachine = createEventWorker({ id: 'sync', handle() {} });
 * ```
 */
export type EventWorkerMachine = ServiceMachine & EventWorkerApi;

/** The options the inspector shows: no `config` values, which may be secrets. */
function shownOptions(common: object): object {
  const shown: Record<string, unknown> = { ...common, kind: 'event-worker' };
  delete shown.config;
  return shown;
}

interface Waiting {
  readonly resolve: () => void;
  readonly cleanup: () => void;
}

/** The definition's trigger: one pending flag and the actors waiting for it. */
class TriggerLatch {
  pending = false;
  coalesced = 0;
  private readonly waiting: Waiting[] = [];

  trigger(): boolean {
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.cleanup();
      waiter.resolve();
      return true;
    }
    if (this.pending) {
      this.coalesced++;
      return false;
    }
    this.pending = true;
    return true;
  }

  /** Resolves when a run is due (consuming it); rejects with `signal.reason` on abort. */
  next(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      const waiter: Waiting = {
        resolve,
        cleanup: () => signal.removeEventListener('abort', onAbort),
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }
}

/** Per-actor counters (`LocalState`). */
interface EventWorkerState {
  runs: number;
}

/**
 * Creates an event worker (pyaltt's event worker): `worker.trigger()` runs `handle(ctx)` on a
 * running actor. Triggers that arrive during a run coalesce: however many came, exactly one
 * more run follows. It is a service machine: same lifecycle, failure counting, supervision and
 * `getTree()` (with `details: { runs, coalesced, pending }`: the actor's runs, the triggers
 * absorbed into a due run, and whether a run is due).
 *
 * Gotchas: the trigger belongs to the definition, so every actor of one worker shares it (one
 * trigger, one run, by whichever actor waits first). A trigger while no actor runs is kept
 * and runs at the next start; so is one that woke an actor just as it was stopped. A stop
 * aborts `ctx.signal` and waits for the run in flight, as for any iteration.
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { createEventWorker } from 'xstate-supervisor';
 *
 * const rebuild = createEventWorker({
 *   id: 'rebuild',
 *   async handle(ctx) {
 *     await fetch('http://127.0.0.1:8080/rebuild', { method: 'POST', signal: ctx.signal });
 *   },
 * });
 * createActor(rebuild).start();
 * rebuild.trigger(); // runs now
 * rebuild.trigger(); // during the run: one more run after it
 * rebuild.trigger(); // coalesced into that one
 * ```
 */
export function createEventWorker(options: EventWorkerOptions): EventWorkerMachine {
  const latch = new TriggerLatch();
  return defineKind(options, {
    own: ['handle'],
    hints: { iterate: 'no `iterate`: an event worker runs `handle(ctx)` on each trigger' },
    settings: (o, fail) => checkFunction(o.handle, 'handle', fail, true),
    build: ({ settings: handle, common }) => ({
      iterate: async (ctx) => {
        const signal = ctx.signal;
        await latch.next(signal);
        // Woken just as the stop began: keep the trigger for the next start.
        if (signal.aborted) {
          latch.pending = true;
          return;
        }
        (ctx as unknown as { local: EventWorkerState }).local.runs++;
        await handle(ctx);
      },
      local: {
        create: (): EventWorkerState => ({ runs: 0 }),
        describe: (state) => ({
          runs: (state as EventWorkerState).runs,
          coalesced: latch.coalesced,
          pending: latch.pending,
        }),
      },
      shown: shownOptions(common),
      api: (): EventWorkerApi => ({ trigger: () => latch.trigger() }),
    }),
  });
}
