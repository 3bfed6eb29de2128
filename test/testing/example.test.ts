/**
 * examples/testing runs alone, ends by itself, and prints the storm's timeline at its
 * simulated milliseconds.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

describe('testing example', () => {
  it('prints each restart at its simulated millisecond and the escalation at 4000 ms', async () => {
    const { code, stdout, stderr } = await runExample('testing');
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n').map((l) => l.trim());
    expect(lines).toContain('1000 ms  child.restarted workers/poller');
    expect(lines).toContain('3000 ms  child.restarted workers/poller');
    expect(lines).toContain('4000 ms  supervisor.intensity-exceeded workers');
    expect(lines).not.toContain('4000 ms  child.restarted workers/poller');
    expect(stdout).toContain('root: failed');
    expect(stdout).toContain('done: 5 simulated seconds checked');
  });
});
