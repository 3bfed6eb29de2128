import { describe, expect, it } from 'vitest';
import { nextOnGrid } from '../../src/kinds/periodic-schedule.ts';

describe('the fixed-rate grid rule (pure, no timers)', () => {
  it('puts the next run on the next slot when the last one ended in time', () => {
    expect(nextOnGrid(0, 10, 3, 38, 'skip')).toEqual({ slot: 4, at: 40, skipped: 0, late: false });
  });

  it('treats a slot exactly at now as on time', () => {
    expect(nextOnGrid(0, 10, 0, 10, 'skip')).toEqual({ slot: 1, at: 10, skipped: 0, late: false });
  });

  it('skips every missed slot and lands on the next slot ahead (skip)', () => {
    expect(nextOnGrid(5, 10, 1, 41, 'skip')).toEqual({ slot: 4, at: 45, skipped: 2, late: true });
  });

  it('starts one run at once and drops the other missed slots (queue-one)', () => {
    expect(nextOnGrid(5, 10, 1, 41, 'queue-one')).toEqual({
      slot: 3,
      at: 41,
      skipped: 1,
      late: true,
    });
  });

  it('keeps float noise from skipping a slot that is exactly due', () => {
    const now = 3 * 0.1; // 0.30000000000000004, and now / 0.1 is 3.0000000000000004
    expect(nextOnGrid(0, 0.1, 0, now, 'skip')).toMatchObject({ slot: 3, skipped: 2 });
  });
});
