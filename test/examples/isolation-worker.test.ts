import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

describe('the worker-thread example', () => {
  it('kills a CPU-bound loop in a worker on stop while the main timer keeps ticking, and exits 0', async () => {
    const { code, stdout, stderr, elapsed } = await runExample('worker-thread');
    const out = stdout + stderr;
    expect(code, out).toBe(0);
    expect(elapsed).toBeLessThan(6_000);
    expect(out).toMatch(/spinner: running in thread \d+/);
    const stop = Number(/stopped after (\d+) ms/.exec(out)?.[1]);
    expect(stop).toBeLessThanOrEqual(500 + 200);
    const gap = Number(/longest gap between 20 ms ticks (\d+) ms/.exec(out)?.[1]);
    expect(gap).toBeLessThan(20 + 50);
  });
});
