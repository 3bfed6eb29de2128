import { describe, expect, it } from 'vitest';
import { RestartWindow } from '../../src/core/restart-intensity.ts';
import { backoffDelay } from '../../src/index.ts';

describe('backoffDelay', () => {
  it('grows by factor per attempt and stops at max', () => {
    const b = { initial: 100, max: 1_000, factor: 2, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(b, n))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('spreads by ±jitter around the base, with an injectable random source', () => {
    const b = { initial: 1_000, max: 10_000, jitter: 0.2 };
    expect(backoffDelay(b, 0, () => 0)).toBe(800);
    expect(backoffDelay(b, 0, () => 0.5)).toBe(1_000);
    expect(backoffDelay(b, 0, () => 0.999_999)).toBe(1_200);
  });

  it('never exceeds max, even with jitter', () => {
    expect(backoffDelay({ initial: 100, max: 100, jitter: 1 }, 9, () => 1)).toBe(100);
  });
});

describe('RestartWindow', () => {
  it('allows maxRestarts within the window and refuses the next', () => {
    const w = new RestartWindow(3, 5_000);
    expect([w.add(0), w.add(10), w.add(20), w.add(30)]).toEqual([true, true, true, false]);
  });

  it('slides: restarts older than the window are forgotten', () => {
    const w = new RestartWindow(2, 1_000);
    w.add(0);
    w.add(500);
    expect(w.add(1_001)).toBe(true);
    expect(w.count(1_001)).toBe(2);
    expect(w.count(2_600)).toBe(0);
  });

  it('with maxRestarts 0, refuses the first restart', () => {
    expect(new RestartWindow(0, 1_000).add(0)).toBe(false);
  });
});
