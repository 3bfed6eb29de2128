/**
 * Runs the launcher example in its own Node process, as a user would: it drives
 * `xstate-supervisor start` on its config files, so this is the CLI end to end.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

describe('launcher example', () => {
  it('rejects the broken config with did-you-mean, prints the tree of app.yaml, runs it and stops it in reverse order on SIGTERM', {
    timeout: 45_000,
  }, async () => {
    const { code, stdout, stderr } = await runExample('launcher', { timeout: 40_000 });
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toContain('--- check broken.yaml: exit 2');
    expect(stdout).toContain('strateg: unknown key; did you mean "strategy"?');
    expect(stdout).toContain(
      'services[0].replica: unknown key; did you mean "services[0].replicas"?',
    );
    expect(lines).toContain('--- check app.yaml: exit 0');
    expect(lines).toContain('  poller-3  service  ./services.ts#poller');
    expect(lines).toContain(
      'control API: app -> clock running, poller-1 running, poller-2 running, poller-3 running, mailer running',
    );
    expect(lines).toContain('poller-2: started, polling shard 2');
    const stops = lines.filter((l) => l.endsWith(': stopped'));
    expect(stops).toEqual([
      'mailer: stopped',
      'poller-3: stopped',
      'poller-2: stopped',
      'poller-1: stopped',
      'clock: stopped',
    ]);
    expect(lines).toContain('--- exit 0 after SIGTERM');
  });
});
