/**
 * Runs examples/child-process in its own Node process, as a user would, and checks the exit
 * code, the time it takes and the lines that tell its story.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

describe('examples/child-process', () => {
  it('restarts the crashed child with a new pid, then shuts down leaving no process', async () => {
    const { code, stdout, elapsed } = await runExample('child-process');
    expect(code).toBe(0);
    expect(elapsed).toBeLessThan(12_000); // ~3 s; a bound on a hang, tsx start-up on a loaded CI included
    const pids = [...stdout.matchAll(/generation (\d), pid (\d+)/g)].map((m) => m[2]);
    expect(pids).toHaveLength(2);
    expect(pids[0]).not.toBe(pids[1]);
    expect(stdout).toMatch(/exited with code 2/);
    expect(stdout).toMatch(/\[worker\] working in pid/);
    expect(stdout).toMatch(/\[worker\] SIGTERM: finishing up/);
    expect(stdout).toMatch(/shut down; child \d+ is gone/);
  });
});
