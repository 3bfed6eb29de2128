import { afterEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { createService, silentLogger } from '../../src/index.ts';
import { deferred } from '../helpers/async.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('waits the timer API cannot hold in one go', () => {
  it('waits a minPeriod longer than 2^31 - 1 ms in full instead of firing after 1 ms', async () => {
    vi.useFakeTimers();
    const starts: number[] = [];
    const actor = createActor(
      createService({
        id: 'monthly',
        minPeriod: 35 * 24 * 3_600_000, // 35 days > 2^31 - 1 ms (24.8 days)
        logger: silentLogger,
        iterate: () => void starts.push(Date.now()),
      }),
    ).start();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(starts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(35 * 24 * 3_600_000);
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBe(35 * 24 * 3_600_000);
    actor.stop();
  });
});

describe('timers that fire early', () => {
  it('never starts an iteration before minPeriod is over, even when the clock wakes it early', async () => {
    // A clock whose timers fire 0.9 ms early, as Node's do when read with performance.now().
    let now = 0;
    const clock = {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) =>
        setTimeout(() => {
          now += ms < 1 ? 1 : ms - 0.9; // like Node, never less than 1 ms for a short wait
          fn();
        }, 0),
      clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
    };
    const starts: number[] = [];
    // Wait for the starts themselves, not for a stretch of real time a loaded machine may
    // fill with fewer of them.
    const enough = deferred();
    const actor = createActor(
      createService({
        id: 'paced',
        minPeriod: 10,
        logger: silentLogger,
        iterate: () => {
          if (starts.push(now) === 8) enough.resolve();
        },
      }),
      { clock },
    ).start();
    await enough.promise;
    actor.stop();
    expect(starts.length).toBeGreaterThan(3);
    for (let i = 1; i < starts.length; i++) {
      expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(10);
    }
  });
});
