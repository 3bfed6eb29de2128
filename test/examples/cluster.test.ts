/**
 * The cluster example, run as a user would: three replica processes against the local
 * PostgreSQL, a singleton that moves after SIGKILL, cron ticks fired once each.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

describe('cluster example', () => {
  it('runs the singleton on one replica, moves it after SIGKILL, fires each cron tick once, and exits 0', async () => {
    const { code, stdout, stderr } = await runExample('cluster', { timeout: 60_000 });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('cluster: replica-1 running, replica-2 running, replica-3 running');
    const held = /sweeper held by: (replica-\d)/.exec(stdout)?.[1];
    expect(held).toBeDefined();
    expect(stdout).toContain(`SIGKILL ${held}`);
    const by = /takeover by (replica-\d)/.exec(stdout)?.[1];
    expect(by).toBeDefined();
    expect(by).not.toBe(held);
    // The new holder's start comes after the kill.
    expect(stdout.indexOf(`${by}: sweeper started`)).toBeGreaterThan(
      stdout.indexOf(`SIGKILL ${held}`),
    );
    expect(stdout).toMatch(/cron: \d+ ticks, each fired once: true/);
  }, 90_000);
});
