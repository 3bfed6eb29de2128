/**
 * An interruptible wait on an injected clock: one pending sleep at a time, woken early by
 * `wake()` (a stop never waits out a period).
 * Internal: not exported from the package (blocked by the `exports` map).
 */
import type { Clock } from './xstate.ts';

/** The longest delay `setTimeout` honours. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * The one pending, interruptible sleep of a service's loop. `Waiter` names only this class:
 * the runtime's records of someone waiting for a state or a value have names of their own.
 *
 * @example
 * ```ts
 * const waiter = new Waiter(clock);
 * const slept = waiter.sleep(1_000); // resolves after 1 s, or at once on wake()
 * waiter.wake();
 * ```
 */
export class Waiter {
  private timer: unknown;
  private resolve: (() => void) | undefined;
  private readonly clock: Clock;
  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Resolves after `ms`, or at once when woken. Waits over 2^31 - 1 ms are chained. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resolve = resolve;
      this.arm(ms);
    });
  }

  // Node turns a delay over 2^31 - 1 ms into 1 ms: wait in steps instead.
  private arm(ms: number): void {
    const step = Math.min(ms, MAX_DELAY);
    this.timer = this.clock.setTimeout(() => {
      if (ms > step) return this.arm(ms - step);
      const resolve = this.resolve;
      this.resolve = undefined;
      resolve?.();
    }, step);
  }

  /** A sleep is pending (not yet over, not woken). */
  get sleeping(): boolean {
    return this.resolve !== undefined;
  }

  /** Ends the pending sleep now, if there is one. */
  wake(): void {
    const resolve = this.resolve;
    if (!resolve) return;
    this.resolve = undefined;
    this.clock.clearTimeout(this.timer);
    resolve();
  }
}

/**
 * A one-shot timer on `clock` that honours any delay: Node fires a delay over 2^31 - 1 ms
 * after 1 ms (with a `TimeoutOverflowWarning`), so a longer one is chained in steps.
 */
export class LongTimeout {
  private handle: unknown;
  private readonly clock: Clock;
  private readonly fn: () => void;
  constructor(clock: Clock, fn: () => void, ms: number) {
    this.clock = clock;
    this.fn = fn;
    this.arm(Math.max(0, ms));
  }
  private arm(ms: number): void {
    const step = Math.min(ms, MAX_DELAY);
    this.handle = this.clock.setTimeout(() => {
      if (ms > step) this.arm(ms - step);
      else this.fn();
    }, step);
  }
  clear(): void {
    this.clock.clearTimeout(this.handle);
  }
}

/** Resolves to true if `promise` settles within `ms`, false if the time ran out first. */
export function settlesWithin(
  promise: Promise<unknown>,
  ms: number,
  clock: Clock,
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = new LongTimeout(clock, () => resolve(false), ms);
    const done = () => {
      timer.clear();
      resolve(true);
    };
    promise.then(done, done);
  });
}

const realSetImmediate = globalThis.setImmediate;
const realNow = globalThis.performance.now.bind(globalThis.performance);

/**
 * Decides when a back-to-back loop must yield to the event loop so timers and I/O still run.
 * Uses the real clock on purpose: it is about fairness, not about the service's timing.
 */
export class Yielder {
  private count = 0;
  private last = realNow();
  /** Returns a promise to await when it is time to yield, else undefined (the cheap path). */
  check(): Promise<void> | undefined {
    if ((++this.count & 15) !== 0) return undefined;
    const now = realNow();
    if (now - this.last < 8 && (this.count & 1023) !== 0) return undefined;
    this.last = now;
    return new Promise<void>((resolve) => realSetImmediate(resolve));
  }
}

/**
 * One turn of the event loop, so timers and I/O run. Looked up at call time, so fake timers
 * (which fake `setImmediate`) control it in tests.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => globalThis.setImmediate(resolve));
}
