/**
 * The cluster example, run as a user would: three replica processes against the local
 * PostgreSQL, orders posted over HTTP to a durable queue the replicas share, a singleton that
 * moves after SIGKILL, cron ticks fired once each.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type ExampleOutcome, runExample } from '../helpers/run-example.ts';

describe('cluster example', () => {
  // One run (three replica processes, ~20 s) serves both tests.
  let run: ExampleOutcome;
  beforeAll(async () => {
    run = await runExample('cluster', { timeout: 90_000 });
  }, 120_000);

  it('runs the singleton on one replica, moves it after SIGKILL, fires each cron tick once, and exits 0', () => {
    const { code, stdout, stderr } = run;
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
  });

  it('handles every order posted over HTTP: delivered at least once, its effect written exactly once, on several replicas', () => {
    const { code, stdout, stderr } = run;
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('posted 60 orders over HTTP: 60 accepted (202)');
    expect(stdout).toContain('an order without an integer id: 400');
    // Delivery is at least once (a SIGKILLed replica's leased orders come back to the others);
    // the idempotent handler makes each order's effect exactly once.
    expect(stdout).toContain('orders: 60 of 60 handled, missing: 0, each effect once: true');
    const deliveries = /deliveries: (\d+) for 60 orders, each at least once: true/.exec(stdout);
    expect(deliveries, stdout).not.toBeNull();
    expect(Number(deliveries![1])).toBeGreaterThanOrEqual(60);
    const spread = /orders handled on: (.*)/.exec(stdout)?.[1] ?? '';
    const counts = [...spread.matchAll(/replica-\d (\d+)/g)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(60);
    expect(counts.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  });
});
