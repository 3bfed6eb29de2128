/**
 * Runs examples/child-process in its own Node process, as a user would, and checks the exit
 * code and the lines that tell its story, in their order.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

describe('examples/child-process', () => {
  it('restarts the crashed child with a new pid, then shuts down leaving no process', {
    timeout: 120_000,
  }, async () => {
    // ~3 s unloaded. The bound is on a hang only: three Node start-ups (two of them children)
    // on a machine whose cores are all busy can take tens of seconds.
    const { code, stdout } = await runExample('child-process', { timeout: 90_000 });
    expect(code).toBe(0);
    const pids = [...stdout.matchAll(/generation (\d), pid (\d+)/g)].map((m) => m[2]);
    expect(pids).toHaveLength(2);
    expect(pids[0]).not.toBe(pids[1]);
    expect(stdout).toMatch(/exited with code 2/);
    expect(stdout).toMatch(/\[worker\] working in pid/);
    // Order, not time: the goodbye line comes after "working", and the child ended by its own
    // handler (code 0), not by the signal's default action.
    const working = stdout.indexOf('[worker] working in pid');
    const goodbye = stdout.indexOf('[worker] SIGTERM: finishing up');
    expect(goodbye).toBeGreaterThan(working);
    expect(stdout).toMatch(/shut down; child \d+ is gone \(exit code 0\)/);
  });
});
