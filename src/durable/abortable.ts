/**
 * Waits the durable queues share: a sleep that a signal or a wake-up ends early.
 * Internal: not exported from the package.
 */

/** Something to wake the takers sleeping between polls (a local enqueue, a NOTIFY). @internal */
export class Doorbell {
  private readonly sleepers = new Set<() => void>();

  /** Resolves after `ms`, on `ring()`, or when `signal` aborts (never rejects). */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.sleepers.add(done);
    });
  }

  /** Wakes every sleeper now. */
  ring(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}

/**
 * A timer running `fn` every `ms` (unref'd: it never keeps the process alive), never two runs
 * at once; `stop()` ends it. @internal
 */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly fn: () => Promise<void>;
  private readonly ms: number;
  constructor(ms: number, fn: () => Promise<void>) {
    this.ms = ms;
    this.fn = fn;
  }
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      void this.fn().finally(() => {
        this.running = false;
      });
    }, this.ms);
    this.timer.unref();
  }
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * `promise`, or a rejection with the signal's reason as soon as `signal` aborts, whichever comes
 * first; the promise itself goes on (its rejection is then ignored). @internal
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
