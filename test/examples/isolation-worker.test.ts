import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

describe('the worker-thread example', () => {
  it('kills a CPU-bound loop in a worker on stop while the main timer keeps ticking, and exits 0', async () => {
    const { code, stdout, stderr, elapsed } = await runExample('worker-thread');
    const out = stdout + stderr;
    expect(code, out).toBe(0);
    // A bound on a hang, not a timing check (tsx start-up on a loaded machine included).
    expect(elapsed).toBeLessThan(12_000);
    expect(out).toMatch(/spinner: running in thread \d+/);
    // Killed at gracePeriod (500 ms), not earlier; the loop never ends by itself, so any end
    // at all is the kill. The upper bound only catches a stop that waited for nothing.
    const stop = Number(/stopped after (\d+) ms/.exec(out)?.[1]);
    expect(stop).toBeGreaterThanOrEqual(490);
    expect(stop).toBeLessThan(3_000);
    // A CPU-bound loop on the main thread would stop its timer for good (the loop never ends);
    // in a worker the timer goes on. Counted by ticks, not by their gaps, which load stretches.
    const ticks = Number(
      /main thread: (\d+) ticks of its 20 ms timer while the thread spun/.exec(out)?.[1],
    );
    expect(ticks).toBeGreaterThanOrEqual(1);
  });
});
