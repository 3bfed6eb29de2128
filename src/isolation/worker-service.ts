/**
 * The worker-thread service kind: a service whose body (`iterate`, `onThreadStart`,
 * `onThreadStop`) lives in a module run in a `worker_threads` Worker, so a stop that overruns
 * `gracePeriod` or a hard reset really ends it (`terminate()`), even a synchronous infinite
 * loop, and the main event loop never stalls. Pacing, failures and supervision are the core's.
 */
import { channel } from 'node:diagnostics_channel';
import type { ResourceLimits } from 'node:worker_threads';
import type { ServiceContext, ServiceOptions } from '../core/service-options.ts';
import type { Fail } from '../core/validate.ts';
import { defineKind, type KindParts } from '../kinds/define-kind.ts';
import type { ScheduledCommonOptions } from '../kinds/scheduled-options.ts';
import type { ServiceMachine } from '../machines/service.ts';
import { checkCloneable, checkLimits, checkModule, resolveTsx } from './worker-options.ts';
import { ThreadHandle } from './worker-thread.ts';

/**
 * Options of {@link createWorkerService}. Times are in milliseconds. Besides these, every
 * option of {@link ScheduledCommonOptions} (`maxFailures`, `gracePeriod`, `restart`, hooks,
 * `logger`, ...) works as in `createService`; `onStart` / `onStop` run on the main side.
 *
 * @example
 * ```ts
 * const options: WorkerServiceOptions = {
 *   id: 'crunch',
 *   module: new URL('./crunch-job.ts', import.meta.url),
 *   workerData: { size: 1_000 },
 *   resourceLimits: { maxOldGenerationSizeMb: 64 },
 *   pause: 100,
 * };
 * createWorkerService(options);
 * ```
 */
export interface WorkerServiceOptions
  extends ScheduledCommonOptions,
    Pick<ServiceOptions, 'minPeriod' | 'pause' | 'interval' | 'delayBefore' | 'delayAfter'> {
  /** Unique among siblings; `[A-Za-z0-9_.-]+`, not only dots. Required. */
  id: string;
  /**
   * The module run in the thread, as a URL or an absolute path (functions cannot cross
   * threads): it exports `iterate(ctx)` and optionally `onThreadStart(ctx)` /
   * `onThreadStop(ctx)` (see `WorkerThreadModule`). Checked when the thread starts: a
   * module that cannot be loaded or lacks `iterate` fails the start. Required.
   */
  module: string | URL;
  /**
   * Passed to the thread as `ctx.workerData`; must be structured-cloneable (no functions).
   * @default undefined
   */
  workerData?: unknown;
  /**
   * The Worker's `resourceLimits` (heap sizes, in MB); running out is a counted failure whose
   * message says "ran out of memory".
   * @default undefined (Node's defaults)
   */
  resourceLimits?: ResourceLimits;
  /**
   * How long the start may take: your `onStart`, then the thread loading its module and
   * running `onThreadStart`. It is the `startTimeout` every service has: past it, the start
   * fails with a `StartTimeoutError` (`START_TIMEOUT`) and the thread is terminated, so a
   * module that hangs at load cannot keep the service (and its supervisor's queue) in
   * `starting` forever.
   * @default 30000
   */
  startTimeout?: number;
}

/**
 * What a worker-thread service shows in `getTree()` as `details`.
 *
 * @example
 * ```ts
 * const details = getTree(actor).details as WorkerServiceDetails;
 * console.log(`thread ${details.threadId ?? '-'} runs ${details.module}`);
 * ```
 */
export type WorkerServiceDetails = {
  /** The running thread's `threadId`; null while there is none. */
  readonly threadId: number | null;
  /** The module's URL. */
  readonly module: string;
};

const OWN = ['module', 'workerData', 'resourceLimits'] as const;

/** Per-actor state: the thread of the running generation. @internal */
class WorkerSlot {
  thread: ThreadHandle | undefined;
  /** The generation the thread serves (a hard reset changes the context's). */
  generation = -1;
  private readonly module: string;
  constructor(module: string) {
    this.module = module;
  }
  details(): WorkerServiceDetails {
    return { threadId: this.thread?.threadId ?? null, module: this.module };
  }
}

function slotOf(ctx: ServiceContext): WorkerSlot {
  return (ctx as ServiceContext & { readonly local: WorkerSlot }).local;
}

/**
 * Each thread a worker-thread service starts, published only while someone subscribes (the
 * testing entry's `liveWorkerThreads` does), so production pays one property read per thread.
 * The message is a {@link WorkerThreadStarted}.
 *
 * @example
 * ```ts
 * subscribe(WORKER_THREAD_CHANNEL, (m) => console.log('thread of', (m as WorkerThreadStarted).machine));
 * ```
 * @internal
 */
export const WORKER_THREAD_CHANNEL = 'xstate-supervisor:worker-thread';
const threadStarts = channel(WORKER_THREAD_CHANNEL);

/**
 * What {@link WORKER_THREAD_CHANNEL} carries.
 *
 * @example
 * ```ts
 * const started: WorkerThreadStarted = { machine, gone: thread.whenGone() };
 * ```
 * @internal
 */
export interface WorkerThreadStarted {
  /** The service definition (the machine `createWorkerService` returned). */
  readonly machine: object;
  /** Resolves once the thread has exited. */
  readonly gone: Promise<void>;
}

/**
 * Creates a worker-thread service: a service machine whose `iterate` runs in a
 * `worker_threads` Worker started by `onStart` (the service is `running` once the module is
 * loaded and `onThreadStart` has run in the thread). Each iteration is a message to the thread
 * and its reply; pacing, failure counting, `ctx.stop()` / `ctx.fail()` and `ctx.signal` work
 * as in `createService`.
 *
 * A stop asks the thread to run `onThreadStop` and exit, and `terminate()`s it when that
 * overruns `gracePeriod`; a stuck iteration (`while (true) {}`) is terminated once the core
 * has waited `gracePeriod` for it. A hard reset terminates the thread and starts a fresh one
 * (whose `onThreadStart` runs) for the next generation. A thread that dies on its own (a crash,
 * `process.exit`, out of memory) is a counted failure, and the next iteration gets a new
 * thread.
 *
 * Gotcha: each start costs a thread and a module load (milliseconds, see
 * `docs/isolation.md`); keep iterations coarse. TypeScript modules load through tsx when it is
 * installed (dev, tests).
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { createWorkerService } from 'xstate-supervisor';
 *
 * const crunch = createWorkerService({
 *   id: 'crunch',
 *   module: new URL('./crunch-job.js', import.meta.url),
 *   gracePeriod: 1_000,
 * });
 * ```
 */
export function createWorkerService(options: WorkerServiceOptions): ServiceMachine {
  const machine: ServiceMachine = defineKind(options, {
    own: OWN,
    pacing: true,
    settings: workerSettings,
    build: ({ settings, service }) =>
      workerParts(settings, service.id, service.gracePeriod, options, () => machine),
  });
  return machine;
}

/** The worker's own options checked, and where the thread finds its entry and tsx. */
function workerSettings(options: WorkerServiceOptions, fail: Fail) {
  const module = checkModule(options.module, fail);
  const workerData = options.workerData;
  checkCloneable(workerData, fail);
  const resourceLimits = checkLimits(options.resourceLimits, fail);
  const entry = new URL(
    `./worker-entry${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
    import.meta.url,
  ).href;
  const needsTsx = /\.[cm]?ts$/.test(entry) || /\.[cm]?ts$/.test(new URL(module).pathname);
  const tsx = needsTsx ? resolveTsx() : undefined;
  return { module, workerData, resourceLimits, entry, tsx };
}

/** The worker's runtime: a thread per generation, an iteration a message to it. */
function workerParts(
  { module, workerData, resourceLimits, entry, tsx }: ReturnType<typeof workerSettings>,
  id: string,
  grace: number,
  options: WorkerServiceOptions,
  machine: () => ServiceMachine,
): KindParts {
  async function spawn(slot: WorkerSlot, ctx: ServiceContext): Promise<ThreadHandle> {
    const t = new ThreadHandle({
      boot: { id, generation: ctx.generation, module, data: workerData, tsx, entry },
      resourceLimits,
      events: {
        fail: (error) => ctx.fail(error),
        stop: () => ctx.stop(),
        died: (error) => {
          if (slot.thread === t) slot.thread = undefined;
          ctx.fail(error);
        },
      },
    });
    if (threadStarts.hasSubscribers) {
      threadStarts.publish({
        machine: machine(),
        gone: t.whenGone(),
      } satisfies WorkerThreadStarted);
    }
    slot.thread = t;
    slot.generation = ctx.generation;
    // The core bounds the start by `startTimeout` (and a stop during it by `gracePeriod`): both
    // abort the signal, which ends the thread.
    const signal = ctx.signal;
    const onAbort = () => void t.terminate();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await t.whenReady();
    } catch (error) {
      if (slot.thread === t) slot.thread = undefined;
      await t.terminate();
      throw signal.aborted ? signal.reason : error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return t;
  }

  async function iterate(ctx: ServiceContext): Promise<void> {
    const slot = slotOf(ctx);
    const signal = ctx.signal;
    if (signal.aborted) return;
    let t = slot.thread;
    if (t && slot.generation !== ctx.generation) {
      // A hard reset: the core has waited for the old iteration; end that thread now.
      slot.thread = undefined;
      await t.terminate();
      t = undefined;
    }
    if (!t || t.isGone) {
      t = await spawn(slot, ctx);
      if (signal.aborted) return;
    }
    const thread = t;
    const onAbort = () => thread.abort(performance.now());
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await thread.iterate(ctx.iteration);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async function close(ctx: ServiceContext): Promise<void> {
    const slot = slotOf(ctx);
    const t = slot.thread;
    slot.thread = undefined;
    if (!t) return;
    const now = performance.now();
    // Measured from the abort (the start of the stop), as the core's gracePeriod is; a
    // margin is kept so that the thread is gone within gracePeriod.
    const deadline = (t.abortedAt ?? now) + grace - Math.min(100, grace / 10);
    const error = await t.stop(Math.max(0, deadline - now), now);
    if (error) ctx.logger.error({ err: error }, 'onThreadStop threw');
  }

  return {
    iterate,
    open: async (ctx) => {
      await spawn(slotOf(ctx), ctx);
    },
    close,
    local: {
      create: () => new WorkerSlot(module),
      describe: (state) => (state as WorkerSlot).details(),
    },
    shown: { ...options, module },
  };
}
