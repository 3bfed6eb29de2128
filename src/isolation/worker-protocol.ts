/**
 * What crosses the thread boundary of a worker-thread service: the messages between the main
 * side and the thread, the errors they carry, and the context the thread's module receives.
 */
import { XstateSupervisorError } from '../core/errors.ts';
import type { LoaderBoot } from './loader-reaper.ts';

/**
 * What the functions of a worker-thread module receive, inside the thread: the same
 * semantics as an in-process service's context, minus what cannot cross a thread (`config`,
 * `logger`, `task`).
 *
 * Gotcha: `signal` belongs to the thread, which lives one generation: it is aborted when the
 * main side asks the service to stop (or hard-resets it), and a new thread gets a new one.
 *
 * @example
 * ```ts
 * // jobs/crunch.ts, named by createWorkerService({ module: new URL('./jobs/crunch.ts', import.meta.url) })
 * import type { WorkerThreadContext } from 'xstate-supervisor';
 * export async function iterate(ctx: WorkerThreadContext) {
 *   if (ctx.iteration === 99) ctx.stop();
 *   await new Promise((r) => setTimeout(r, 10));
 * }
 * ```
 */
export interface WorkerThreadContext {
  /** The service id. */
  readonly id: string;
  /** 0-based number of this iteration in the generation; 0 in `onThreadStart`. */
  readonly iteration: number;
  /** The generation this thread serves. */
  readonly generation: number;
  /** This thread's `threadId`. */
  readonly threadId: number;
  /** The service's `workerData` option (a structured clone). */
  readonly workerData: unknown;
  /** Aborted when the main side asks the generation to end (stop, hard reset). */
  readonly signal: AbortSignal;
  /** Finish after this iteration: the service ends normally. */
  stop(): void;
  /** Count a failure without throwing; the iteration carries on. */
  fail(error?: unknown): void;
}

/**
 * The module a worker-thread service runs: `iterate` (required) and the optional thread hooks
 * (SuperLoops `on_thread_start` / `on_thread_stop`), all run inside the thread.
 *
 * @example
 * ```ts
 * import type { WorkerThreadModule } from 'xstate-supervisor';
 * const mod: WorkerThreadModule = { iterate(ctx) { ctx.stop(); } };
 * ```
 */
export interface WorkerThreadModule {
  /** The unit of work; a throw or a rejection is a counted failure of the service. */
  iterate(ctx: WorkerThreadContext): unknown;
  /** Runs once in a new thread before its first iteration; a throw fails the start. */
  onThreadStart?(ctx: WorkerThreadContext): unknown;
  /** Runs once when the service stops the thread gracefully (not after a hard reset or kill). */
  onThreadStop?(ctx: WorkerThreadContext): unknown;
}

/**
 * Why a worker-thread service's thread failed: it could not start (`WORKER_START_FAILED`; a
 * start past `startTimeout` is the core's `StartTimeoutError`), died (`WORKER_EXITED`, `WORKER_ERROR`) or ran out of its
 * `resourceLimits` (`WORKER_OUT_OF_MEMORY`). Counted as a failure of the service, or fails its
 * start.
 *
 * @example
 * ```ts
 * const { lastError } = getTree(actor);
 * if (lastError?.message.includes('out of memory')) console.log('raise resourceLimits');
 * ```
 */
export class WorkerThreadError extends XstateSupervisorError {}

/** An error as it crosses the thread boundary. @internal */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
}

/** Main side → thread. @internal */
export type ToThread = { t: 'iterate'; iteration: number } | { t: 'abort' } | { t: 'stop' };

/** Thread → main side. @internal */
export type FromThread =
  | { t: 'ready'; threadId: number }
  | { t: 'start-failed'; error: WireError }
  | { t: 'done' }
  | { t: 'error'; error: WireError }
  | { t: 'fail'; error: WireError }
  | { t: 'ctx-stop' }
  | { t: 'stopped'; error?: WireError };

/** What the thread is started with (`workerData` of the Worker). Not exported from the package. */
export interface ThreadBoot {
  readonly id: string;
  readonly generation: number;
  /** The module's URL (`href`). */
  readonly module: string;
  readonly data: unknown;
  /** `tsx/esm/api`'s URL when the thread must load TypeScript, else undefined. */
  readonly tsx: string | undefined;
  /** The entry's URL (the bootstrap imports it after registering tsx). */
  readonly entry: string;
  /** With tsx: the line to the loader's hooks thread, to reap what it spawns. */
  readonly loader?: LoaderBoot | undefined;
}

/** @internal */
export function toWire(thrown: unknown): WireError {
  if (thrown instanceof Error) {
    return { name: thrown.name, message: thrown.message, stack: thrown.stack };
  }
  return { name: 'Error', message: typeof thrown === 'string' ? thrown : String(thrown) };
}

/** @internal */
export function fromWire(wire: WireError): Error {
  const err = new Error(wire.message);
  err.name = wire.name;
  if (wire.stack !== undefined) err.stack = wire.stack;
  return err;
}
