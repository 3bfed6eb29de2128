/**
 * The contract between the server runtime and each server kind: one generation's bound
 * listener (an `Endpoint`), plus the bounded waits a stop is made of. Internal.
 */

/** Real time in ms: servers work with real sockets, so their stop runs on real time. @internal */
export const now = (): number => performance.now();

/**
 * How long a stop lets work in flight finish, out of `gracePeriod`: it keeps a margin (10 %,
 * at least 20 ms, at most 250 ms) to destroy what is left and close before the core's
 * deadline, so the generation is never killed for a server's sake.
 * @internal
 */
export function drainBudget(gracePeriod: number): number {
  const margin = Math.min(250, Math.max(20, gracePeriod * 0.1));
  return Math.max(0, gracePeriod - margin);
}

/**
 * One generation's listener, opened by a server kind.
 * @internal
 */
export interface Endpoint {
  /** The port actually bound (the system's choice when asked for port 0). */
  readonly port: number;
  /** What `getTree()` shows in `details` while it listens. */
  details(): Record<string, unknown>;
  /**
   * Calls `listener` once if the listener dies on its own (an `'error'` or `'close'` that
   * `close()` did not cause). Returns an unsubscribe function.
   */
  onEnd(listener: (error: Error) => void): () => void;
  /**
   * The bounded close: stop accepting, let work in flight finish until `drainUntil`, destroy
   * what is left, and wait for the listener to close until `closeUntil` (times from `now()`).
   * Never rejects, never outlives `closeUntil` by more than a tick.
   */
  close(drainUntil: number, closeUntil: number): Promise<void>;
}

/** The one-shot "ended on its own" signal behind `Endpoint.onEnd`. @internal */
export class EndSignal {
  private listener: ((error: Error) => void) | undefined;
  private error: Error | undefined;
  /** Reports the end, once; later calls are ignored. */
  fire(error: Error): void {
    if (this.error) return;
    this.error = error;
    this.listener?.(error);
  }
  onEnd(listener: (error: Error) => void): () => void {
    if (this.error) {
      listener(this.error);
      return () => {};
    }
    this.listener = listener;
    return () => {
      if (this.listener === listener) this.listener = undefined;
    };
  }
}

/**
 * A condition that changes with events (a count of requests or sockets going down), waited on
 * with a deadline. Wakes its waiters on `changed()`; no polling.
 * @internal
 */
export class Gauge {
  private readonly waiters = new Set<() => void>();

  /** Something the conditions read has changed: re-check them. */
  changed(): void {
    for (const check of [...this.waiters]) check();
  }

  /** Resolves true once `done()` holds, or with `done()` at `deadline` (a `now()` time). */
  until(done: () => boolean, deadline: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (value: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const check = () => {
        if (done()) finish(true);
      };
      const timer = setTimeout(() => finish(done()), Math.max(0, deadline - now()));
      this.waiters.add(check);
    });
  }
}

/** Resolves true if `promise` settles before `deadline`, false otherwise. @internal */
export function settlesBy(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, deadline - now()));
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(done, done);
  });
}

/** `host:port` for a URL: IPv6 in brackets, the unspecified address as loopback. @internal */
export function urlHost(address: string, port: number): string {
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
