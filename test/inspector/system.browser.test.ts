/**
 * The system panel: the process's figures, sampled once a second while the page is open. The
 * test blocks the event loop (the app's: the inspector runs in this process) for 200 ms, and
 * the lag chart's largest value rises to the block; restarts per minute count a restart.
 * `/metrics` gives the same figures.
 */
import { describe, expect, it } from 'vitest';
import { createService, createSupervisor, silentLogger } from '../../src/index.ts';
import { reach } from '../helpers/supervisor.ts';
import { oneServiceRoot, until, usePageHarness } from './page-harness.ts';

const { start, inspect, control, openPage } = usePageHarness();

/** Keeps the event loop busy for `ms` (no timer can fire meanwhile). */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

const attr = (testid: string, name: string) =>
  `Number(document.querySelector('[data-testid="${testid}"]')?.getAttribute('${name}') ?? 0)`;

describe('inspector page: system panel', () => {
  it('charts event-loop lag that moves when the loop is blocked for 200 ms, and counts restarts', async () => {
    let failOnce = true;
    const actor = start(
      createSupervisor({
        id: 'root',
        strategy: 'one-for-one',
        logger: silentLogger,
        children: [
          createService({
            id: 'flaky',
            minPeriod: 50,
            maxFailures: 0,
            iterate() {
              if (failOnce) {
                failOnce = false;
                throw new Error('once');
              }
            },
          }),
        ],
      }),
    );
    await reach(actor, 'running');
    const page = await openPage((await inspect(actor)).url);
    // Two samples in: the figures are shown, the lag is that of a calm loop.
    await until(page, `${attr('chart-lag', 'data-count')} >= 2`);
    expect(await page.textContent('[data-testid="sys-lag"]')).toMatch(
      /^p50 [\d.]+ ms · p99 [\d.]+ ms · max [\d.]+ ms$/,
    );
    expect(await page.textContent('[data-testid="sys-memory"]')).toMatch(
      /^heap [\d.]+ MiB · RSS [\d.]+ MiB$/,
    );
    expect(Number(await page.textContent('[data-testid="sys-handles"]'))).toBeGreaterThan(0);
    block(200);
    // The sample after the block has the delay the block caused.
    await until(page, `${attr('chart-lag', 'data-max')} >= 150`);
    // A failure now: its restart is counted in the restarts per minute.
    failOnce = true;
    await until(page, `${attr('chart-restarts', 'data-max')} >= 1`);
    expect(Number(await page.textContent('[data-testid="sys-restarts"]'))).toBeGreaterThanOrEqual(
      1,
    );
  }, 30_000);

  it('exports the same figures on /metrics', async () => {
    const actor = start(oneServiceRoot());
    await reach(actor, 'running');
    const api = await control(actor);
    await fetch(`${api.url}/metrics`).then((r) => r.text());
    block(200);
    // The delay monitor records the block when its timer (due during the block) runs; a timer
    // due later runs after it, so the scrape below reads the block whatever the machine's load.
    await new Promise((r) => setTimeout(r, 20));
    const text = await fetch(`${api.url}/metrics`).then((r) => r.text());
    const value = (line: RegExp) => Number(text.match(line)?.[1]);
    expect(
      value(/^xstate_supervisor_event_loop_lag_seconds\{quantile="1"\} ([\d.e-]+)$/m),
    ).toBeGreaterThanOrEqual(0.15);
    expect(value(/^xstate_supervisor_heap_used_bytes ([\d.e+]+)$/m)).toBeGreaterThan(0);
    expect(value(/^xstate_supervisor_rss_bytes ([\d.e+]+)$/m)).toBeGreaterThan(0);
    expect(value(/^xstate_supervisor_active_handles (\d+)$/m)).toBeGreaterThan(0);
    expect(text).toMatch(/^xstate_supervisor_cpu_percent [\d.]+$/m);
  });
});
