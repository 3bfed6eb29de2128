/**
 * The main side's handle on one worker thread: start it, ask it to iterate, abort, stop it
 * gracefully within a deadline, terminate it. Never blocks the main event loop: every wait is
 * a promise settled by a message, the thread's exit, or a timer. Internal.
 */
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { LoaderLink, REAP_ON_EXIT } from './loader-reaper.ts';
import {
  type FromThread,
  fromWire,
  type ThreadBoot,
  WorkerThreadError,
} from './worker-protocol.ts';

/**
 * Loads the entry in the thread; registers tsx first when TypeScript must be loaded (dev,
 * tests), since a Worker does not inherit the parent's module hooks on Node 20, and before tsx
 * the hooks that reap the processes tsx's esbuild starts (see `loader-reaper.ts`).
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
${REAP_ON_EXIT}
(async () => {
  if (workerData.tsx) {
    if (workerData.loader) reapLoaderOnExit(workerData.loader);
    (await import(workerData.tsx)).register();
  }
  await import(workerData.entry);
})().catch((e) => setImmediate(() => { throw e; }));
`;

/** How long terminating a thread waits for its loader's processes to be reaped first. */
const REAP_WAIT = 500;

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Whoever waits handles the rejection; an unawaited one must not crash the process.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** The flags that load code (tsx in dev and tests), with their values. */
const LOADER_FLAGS = /^--(import|require|loader|experimental-loader|conditions)(=|$)|^-[rC]$/;

function loaderFlags(argv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!LOADER_FLAGS.test(arg)) continue;
    kept.push(arg);
    const value = argv[i + 1];
    if (!arg.includes('=') && value !== undefined) kept.push(value);
    if (!arg.includes('=')) i++;
  }
  return kept;
}

/**
 * The process's flags carry over (loaders, the user's flags); a Worker refuses per-process
 * ones (`--expose-gc`, ...), and then only the loaders are passed.
 */
function createWorker(options: ThreadOptions, loader: LoaderLink | undefined): Worker {
  const make = (execArgv: string[]) =>
    new Worker(BOOTSTRAP, {
      eval: true,
      workerData: loader ? { ...options.boot, loader: loader.boot } : options.boot,
      ...(loader ? { transferList: [loader.boot.port] } : {}),
      execArgv,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
  try {
    return make(process.execArgv);
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    return make(loaderFlags(process.execArgv));
  }
}

/** What a thread reports to its service outside of an iteration's reply. */
export interface ThreadEvents {
  /** `ctx.fail(error)` was called in the thread. */
  fail(error: Error): void;
  /** `ctx.stop()` was called in the thread. */
  stop(): void;
  /** The thread died on its own while no iteration was in flight. */
  died(error: Error): void;
}

export interface ThreadOptions {
  readonly boot: ThreadBoot;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly events: ThreadEvents;
}

/** One worker thread of a service. @internal */
export class ThreadHandle {
  readonly worker: Worker;
  threadId: number;
  /** When the thread was asked to abort (a stop or a hard reset began). */
  abortedAt: number | undefined;
  private readonly boot: ThreadBoot;
  private readonly limits: ResourceLimits | undefined;
  private readonly events: ThreadEvents;
  /** With tsx: the line to the thread's loader hooks, to reap esbuild before terminating. */
  private readonly loader: LoaderLink | undefined;
  private readonly ready = deferred<void>();
  private readonly stopped = deferred<Error | undefined>();
  private readonly exited = deferred<void>();
  private iteration: Deferred<void> | undefined;
  private terminating = false;
  private started = false;
  private death: Error | undefined;
  private gone = false;

  constructor(options: ThreadOptions) {
    this.boot = options.boot;
    this.limits = options.resourceLimits;
    this.events = options.events;
    this.loader = options.boot.tsx ? new LoaderLink() : undefined;
    this.worker = createWorker(options, this.loader);
    this.threadId = this.worker.threadId;
    this.worker.on('message', (m: FromThread) => this.onMessage(m));
    this.worker.on('error', (e: Error) => {
      this.death ??= this.describe(e);
    });
    this.worker.on('exit', (code: number) => this.onExit(code));
  }

  /** Whether an iteration is in flight. */
  get busy(): boolean {
    return this.iteration !== undefined;
  }

  /** Whether the thread has exited. */
  get isGone(): boolean {
    return this.gone;
  }

  /** Resolves once `onThreadStart` has run; rejects with why the thread could not start. */
  whenReady(): Promise<void> {
    return this.ready.promise;
  }

  /** Resolves once the thread has exited. */
  whenGone(): Promise<void> {
    return this.exited.promise;
  }

  /** Runs one iteration in the thread; rejects with its error, or with why the thread died. */
  iterate(iteration: number): Promise<void> {
    if (this.gone) return Promise.reject(this.death ?? this.exitError(0));
    const d = deferred<void>();
    this.iteration = d;
    this.worker.postMessage({ t: 'iterate', iteration });
    return d.promise;
  }

  /** Aborts the thread's `ctx.signal`. */
  abort(now: number): void {
    this.abortedAt ??= now;
    if (!this.gone) this.worker.postMessage({ t: 'abort' });
  }

  /**
   * Graceful stop: the thread runs `onThreadStop` (if no iteration is stuck), then exits; after
   * `budget` ms it is terminated. Resolves once the thread is gone, to `onThreadStop`'s error.
   */
  async stop(budget: number, now: number): Promise<Error | undefined> {
    this.abortedAt ??= now;
    // The thread exits by itself after onThreadStop: an expected end, not a death.
    this.terminating = true;
    let error: Error | undefined;
    // An iteration still in flight here outlived the core's wait: nothing graceful is left.
    if (!this.gone && !this.busy && budget > 0) {
      this.worker.postMessage({ t: 'stop' });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(resolve, budget, undefined);
      });
      error = await Promise.race([
        this.stopped.promise,
        timeout,
        this.exited.promise.then(() => undefined),
      ]);
      clearTimeout(timer);
    }
    await this.terminate();
    return error;
  }

  /**
   * Ends the thread at once (a synchronous infinite loop included); resolves when it is gone.
   * The loader's processes are reaped first: once the thread is gone, nobody could.
   */
  async terminate(): Promise<void> {
    if (this.gone) return;
    this.terminating = true;
    await this.loader?.reap(REAP_WAIT);
    await this.worker.terminate();
    await this.exited.promise;
  }

  private onMessage(m: FromThread): void {
    switch (m.t) {
      case 'ready':
        this.started = true;
        this.threadId = m.threadId;
        this.ready.resolve();
        return;
      case 'start-failed':
        this.ready.reject(
          new WorkerThreadError(
            'WORKER_START_FAILED',
            `Worker-thread service "${this.boot.id}" could not start its thread: ${m.error.message}`,
            { cause: fromWire(m.error) },
          ),
        );
        return;
      case 'done':
      case 'error': {
        const it = this.iteration;
        this.iteration = undefined;
        if (m.t === 'done') it?.resolve();
        else it?.reject(fromWire(m.error));
        return;
      }
      case 'fail':
        this.events.fail(fromWire(m.error));
        return;
      case 'ctx-stop':
        this.events.stop();
        return;
      case 'stopped':
        this.stopped.resolve(m.error ? fromWire(m.error) : undefined);
        return;
    }
  }

  private onExit(code: number): void {
    this.gone = true;
    this.loader?.close();
    const error = this.death ?? this.exitError(code);
    this.ready.reject(error);
    const it = this.iteration;
    this.iteration = undefined;
    if (it) it.reject(error);
    else if (!this.terminating && this.started) this.events.died(error);
    this.exited.resolve();
  }

  private exitError(code: number): Error {
    if (this.terminating) {
      return new WorkerThreadError(
        'WORKER_EXITED',
        `The thread of worker-thread service "${this.boot.id}" was terminated.`,
      );
    }
    return new WorkerThreadError(
      'WORKER_EXITED',
      `The thread of worker-thread service "${this.boot.id}" exited on its own with code ${code}.`,
    );
  }

  private describe(e: Error): Error {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new WorkerThreadError(
        'WORKER_OUT_OF_MEMORY',
        `The thread of worker-thread service "${this.boot.id}" ran out of memory (resourceLimits ${JSON.stringify(this.limits ?? {})}): ${e.message}`,
        { cause: e },
      );
    }
    return new WorkerThreadError(
      'WORKER_ERROR',
      `The thread of worker-thread service "${this.boot.id}" crashed: ${e.message}`,
      { cause: e },
    );
  }
}
