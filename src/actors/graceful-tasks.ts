/**
 * Graceful tasks (aiomisc's GracefulService): background work a service starts with
 * `ctx.task(fn, { cancel })`, awaited or aborted when its generation stops. A task set belongs
 * to one generation of one service: never shared between instances.
 */
import type { TaskOptions } from '../core/service-options.ts';
import { settlesWithin } from '../internal/waiter.ts';
import type { Clock } from '../internal/xstate.ts';

interface Entry {
  readonly controller: AbortController;
  readonly cancel: boolean;
  settled: Promise<void>;
}

/** How a drain ended (not exported from the package; `TaskSet.drain` names it). */
export type DrainOutcome = 'settled' | 'timeout';

/**
 * The graceful tasks of one generation. Not exported from the package, yet not marked internal:
 * `LoopRun.tasks` names it, so its declaration must survive `stripInternal`.
 */
export class TaskSet {
  private readonly entries = new Set<Entry>();
  private readonly reason: unknown;
  /** The generation was asked to end: an AbortError from a task is then no failure. */
  private halted = false;
  /** The stop is over (or the generation was killed): nothing a task does is reported. */
  private fenced = false;

  constructor(reason: unknown) {
    this.reason = reason;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Starts `fn` with its own AbortSignal. The returned promise is the task's result; a
   * rejection is reported through `onError` (so it is never lost, awaited or not), unless it
   * is an abort this set asked for, or came after the set was fenced.
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
    // Registered before the caller can await `result`, so the failure is counted before an
    // iteration that awaits the task sees the same rejection (the loop then skips it).
    entry.settled = result.then(
      () => {},
      (e: unknown) => {
        if (this.fenced) return;
        // A task that gives up because its signal or the generation's was aborted did what
        // it was asked.
        if ((controller.signal.aborted || this.halted) && isAbort(e, this.reason)) return;
        try {
          onError(e);
        } catch {
          // A failing failure report must not become an unhandled rejection.
        }
      },
    );
    void entry.settled.then(() => this.entries.delete(entry));
    // Awaiting the task is optional: its failure is reported through onError either way.
    result.catch(() => {});
    this.entries.add(entry);
    return result;
  }

  /** The generation is ending: aborts the `cancel: true` tasks at once. */
  halt(): void {
    this.halted = true;
    for (const e of this.entries) if (e.cancel) e.controller.abort(this.reason);
  }

  /**
   * Waits up to `timeout` for every task (the `cancel: true` ones were aborted by `halt`). On
   * timeout the rest are aborted when `cancelOnTimeout`, else left running; either way they
   * are fenced: what they do later is not reported.
   */
  async drain(timeout: number, cancelOnTimeout: boolean, clock: Clock): Promise<DrainOutcome> {
    this.halt();
    if (this.entries.size === 0) return 'settled';
    const all = Promise.all([...this.entries].map((e) => e.settled));
    if (await settlesWithin(all, timeout, clock)) return 'settled';
    this.fenced = true;
    if (cancelOnTimeout) for (const e of this.entries) e.controller.abort(this.reason);
    return 'timeout';
  }

  /** Aborts every task now and fences them (the generation was killed or hard reset). */
  abortAll(): void {
    this.halted = true;
    this.fenced = true;
    for (const e of this.entries) e.controller.abort(this.reason);
  }
}

function isAbort(e: unknown, reason: unknown): boolean {
  return e === reason || (e instanceof Error && e.name === 'AbortError');
}
