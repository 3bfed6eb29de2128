/**
 * Small async helpers for tests.
 */
import { vi } from 'vitest';

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Sleeps on the (possibly fake) global clock. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Under fake timers: lets every pending promise and zero-delay timer run, without moving time. */
export async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

/** Under fake timers: moves time forward by `ms`, running timers and promises on the way. */
export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

/**
 * Under fake timers: moves time forward by `ms` in steps of `step`, so work that yields a turn
 * of the event loop between timers (a supervisor's restart does) keeps up with the clock.
 */
export async function advanceInSteps(ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) await vi.advanceTimersByTimeAsync(step);
}
