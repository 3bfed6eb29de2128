import { describe, expect, it } from 'vitest';
import { isBackToBack, nextStart, type Pacing } from '../../src/core/pacing.ts';

const none: Pacing = { minPeriod: 0, pause: 0, interval: 0, delayBefore: 0, delayAfter: 0 };
const gcl: Pacing = { ...none, minPeriod: 300, pause: 100 };

describe('nextStart (GCL rule)', () => {
  it('keeps minPeriod from start to start when the iteration is short (50 ms → 300)', () => {
    expect(nextStart(gcl, 0, 50)).toBe(300);
  });

  it('keeps pause after the end when the iteration is long (350 ms → 450)', () => {
    expect(nextStart(gcl, 0, 350)).toBe(450);
  });

  it('takes the later of the two rules (250 ms → 350)', () => {
    expect(nextStart(gcl, 0, 250)).toBe(350);
  });

  it('is relative to the last start, not to zero', () => {
    expect(nextStart(gcl, 1_000, 1_050)).toBe(1_300);
  });

  it('starts right at the end when nothing is set (back to back)', () => {
    expect(nextStart(none, 10, 12)).toBe(12);
  });
});

describe('nextStart (pyaltt options)', () => {
  it('keeps interval from start to start', () => {
    expect(nextStart({ ...none, interval: 100 }, 0, 30)).toBe(100);
  });

  it('never catches up after a late iteration: the next start is the end, not a burst', () => {
    expect(nextStart({ ...none, interval: 100 }, 0, 250)).toBe(250);
  });

  it('adds delayAfter to the end of the iteration', () => {
    expect(nextStart({ ...none, delayAfter: 100 }, 0, 50)).toBe(150);
  });

  it('adds delayAfter on top of pause', () => {
    expect(nextStart({ ...none, pause: 100, delayAfter: 40 }, 0, 50)).toBe(190);
  });

  it('leaves delayBefore out (it is waited after this point)', () => {
    expect(nextStart({ ...none, delayBefore: 500 }, 0, 50)).toBe(50);
  });

  it('is never before the end of the iteration, whatever the options', () => {
    for (const p of [none, gcl, { ...none, interval: 10 }, { ...none, delayAfter: 5 }]) {
      for (const [start, end] of [
        [0, 0],
        [0, 1_000],
        [500, 501],
      ] as const) {
        expect(nextStart(p, start, end)).toBeGreaterThanOrEqual(end);
      }
    }
  });
});

describe('isBackToBack', () => {
  it('is true only when every pacing option is 0', () => {
    expect(isBackToBack(none)).toBe(true);
  });

  it.each([['minPeriod'], ['pause'], ['interval'], ['delayBefore'], ['delayAfter']] as const)(
    'is false when %s is set',
    (key) => {
      expect(isBackToBack({ ...none, [key]: 1 })).toBe(false);
    },
  );
});
