/**
 * Graceful tasks (aiomisc's GracefulService): background work a service starts with
 * `ctx.task(fn, { cancel })`, awaited or aborted when its generation stops. A task set belongs
 * to one generation of one service: never shared between instances.
 */
import { settlesWithin } from '../internal/waiter.ts';
import type { Clock } from '../internal/xstate.ts';

/**
 * Options of `ctx.task()`.
 *
 * @example
 * ```ts
 * ctx.task((signal) => upload(file, { signal }), { cancel: true });
 * ```
 */
export interface TaskOptions {
  /**
   * On stop, abort the task's signal at once (`true`), or wait for it to finish (`false`,
   * within `gracefulWaitTimeout`).
   * @default false
   */
  cancel?: boolean;
}

interface Entry {
  readonly controller: AbortController;
  readonly cancel: boolean;
  settled: Promise<void>;
}

/** The graceful tasks of one generation. @internal */
export class TaskSet {
  private readonly entries = new Set<Entry>();
  private readonly reason: unknown;

  constructor(reason: unknown) {
    this.reason = reason;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Starts `fn` with its own AbortSignal. The returned promise is the task's result; a
   * rejection is reported through `onError` (so it is never lost, awaited or not), unless it
   * is the abort this set asked for.
   */
  start<T>(
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    options: TaskOptions,
    onError: (error: unknown) => void,
  ): Promise<T> {
    const controller = new AbortController();
    const entry: Entry = {
      controller,
      cancel: options.cancel ?? false,
      settled: Promise.resolve(),
    };
    const result = Promise.resolve().then(() => fn(controller.signal));
    entry.settled = result.then(
      () => {},
      (e: unknown) => {
        if (!(controller.signal.aborted && isAbort(e, this.reason))) onError(e);
      },
    );
    void entry.settled.finally(() => this.entries.delete(entry));
    // Awaiting the task is optional: its failure is reported through onError either way.
    result.catch(() => {});
    this.entries.add(entry);
    return result;
  }

  /**
   * Stops the tasks: aborts the `cancel: true` ones, waits up to `timeout` for all; then, with
   * `cancelOnTimeout`, aborts the rest. Resolves to true when every task settled in time.
   */
  async drain(timeout: number, cancelOnTimeout: boolean, clock: Clock): Promise<boolean> {
    if (this.entries.size === 0) return true;
    for (const e of this.entries) if (e.cancel) e.controller.abort(this.reason);
    const all = Promise.all([...this.entries].map((e) => e.settled));
    if (await settlesWithin(all, timeout, clock)) return true;
    if (cancelOnTimeout) for (const e of this.entries) e.controller.abort(this.reason);
    return false;
  }

  /** Aborts every task now (the generation was killed). */
  abortAll(): void {
    for (const e of this.entries) e.controller.abort(this.reason);
  }
}

function isAbort(e: unknown, reason: unknown): boolean {
  return e === reason || (e instanceof Error && e.name === 'AbortError');
}
