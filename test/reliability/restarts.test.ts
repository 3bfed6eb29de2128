import { describe, expect, it } from 'vitest';
import { churn, grown, RESTART_KINDS } from './restart-churn.ts';

// The bench runs 10,000 of each kind and reads the heap as well; here 200 of each, handles and
// timers only.
describe('restarts leave nothing behind', () => {
  it.each(RESTART_KINDS)(
    'leaves simulated timers, handles and timers at their baseline after 200 restarts (%s)',
    async (kind) => {
      const r = await churn(kind, 200);
      expect(r.restarts).toBeGreaterThanOrEqual(200);
      expect(r.after.simTimers).toBe(r.before.simTimers);
      expect(grown(r, 2)).toEqual([]);
    },
  );
});
