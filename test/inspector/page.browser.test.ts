import { describe, expect, it } from 'vitest';
import {
  createInspectorServer,
  createService,
  createSupervisor,
  silentLogger,
} from '../../src/index.ts';
import { reach } from '../helpers/supervisor.ts';
import { quantile, traceFrames } from './frame-trace.ts';
import { row, until, usePageHarness } from './page-harness.ts';

const TOKEN = 'page-test-token';
/** style.css's `--failed` and `--running`, as computed colours. */
const RED = 'rgb(207, 34, 46)';
const GREEN = 'rgb(26, 127, 55)';

const { cleanups, start, inspect, control, openPage } = usePageHarness();

/** An expression for an element's state colour (its left border), run in the page. */
const colourOf = (selector: string) =>
  `getComputedStyle(document.querySelector('${selector}')).borderLeftColor`;

describe('inspector page', () => {
  it('shows the tree live: states and colours, a failure, its restart, the timeline', async () => {
    let failuresLeft = 0;
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 20,
      restartWindow: 10_000,
      // The failed state lasts a second: long enough for the page to show it for sure.
      backoff: { initial: 1_000, max: 1_000, jitter: 0 },
      logger: silentLogger,
      children: [
        createService({ id: 'steady', minPeriod: 20, iterate() {} }),
        createService({
          id: 'flaky',
          minPeriod: 20,
          maxFailures: 1,
          iterate() {
            if (failuresLeft > 0) {
              failuresLeft--;
              throw new Error('upstream down');
            }
          },
        }),
      ],
    });
    const actor = start(root);
    await reach(actor, 'running');
    const page = await openPage((await inspect(actor)).url);

    await page.waitForSelector(`${row('root')}[data-kind="supervisor"][data-state="running"]`);
    await page.waitForSelector(`${row('steady')}[data-kind="service"][data-state="running"]`);
    await page.waitForSelector(`${row('flaky')}[data-state="running"][data-generation="0"]`);
    expect(await page.textContent(`${row('root')} .node-figs`)).toContain('one-for-one');
    expect(await page.textContent(`${row('flaky')} .node-figs`)).toMatch(/fail 0\/1/);
    expect(await page.evaluate(colourOf(row('flaky')))).toBe(GREEN);
    expect(await page.textContent('[data-testid="count-running"]')).toBe('3 running');
    expect(await page.getAttribute('body', 'data-connection')).toBe('open');

    // Two failures past maxFailures 1: failed (red), then restarted by its supervisor.
    failuresLeft = 2;
    await until(
      page,
      `document.querySelector('${row('flaky')}')?.dataset.state === 'failed' &&
        ${colourOf(row('flaky'))} === '${RED}'`,
    );
    await page.waitForSelector(`${row('flaky')}[data-state="running"][data-generation="1"]`);
    expect(await page.textContent(`${row('flaky')} .node-gen`)).toBe('gen 1');

    // The timeline has the reports, newest first; a click selects the node.
    const failed = '[data-testid="timeline"] li.report[data-type="child.failed"]';
    await page.waitForSelector(`${failed}:has-text("flaky")`);
    await page.waitForSelector('[data-testid="timeline"] li.report[data-type="child.restarted"]');
    const types = await page.$$eval('[data-testid="timeline"] li.report', (lis) =>
      lis.map((li) => li.getAttribute('data-type')),
    );
    expect(types.indexOf('child.restarted')).toBeLessThan(types.indexOf('child.failed'));
    await page.click(failed);
    const flakyKey = await page.getAttribute(row('flaky'), 'data-key');
    await page.waitForSelector(`[data-testid="details"][data-key="${flakyKey}"]`);
    expect(await page.getAttribute(row('flaky'), 'aria-selected')).toBe('true');
    expect(await page.textContent('[data-testid="last-error"]')).toContain('upstream down');
    expect(await page.textContent('[data-testid="last-error"] pre')).toContain(
      'Error: upstream down',
    );
    // Its statechart, with the active state highlighted.
    await page.waitForSelector(
      '[data-testid="statechart"] g.chart-state.active[data-state-id="service.running"]',
    );

    // Filtering by id: only the match and its ancestors.
    await page.fill('[data-testid="filter"]', 'stead');
    await page.waitForSelector(row('flaky'), { state: 'detached' });
    const shown = await page.$$eval('.node', (els) =>
      els.map((el) => el.getAttribute('data-testid')),
    );
    expect(shown.sort()).toEqual(['node-root', 'node-steady']);
  });

  it('sends commands through the control API, asking for its token once', async () => {
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      logger: silentLogger,
      children: [createService({ id: 'worker', minPeriod: 20, iterate() {} })],
    });
    const actor = start(root);
    await reach(actor, 'running');
    const api = await control(actor, TOKEN);
    const page = await openPage((await inspect(actor, { control: { url: api.url } })).url);

    await page.click(row('worker'));
    await page.waitForSelector('[data-testid="command-restart"]');
    // The token is asked for at once; a command waits for it.
    await page.waitForSelector('[data-testid="token-form"]', { state: 'visible' });
    await page.click('[data-testid="command-restart"]');
    await page.waitForSelector('[data-testid="command-result"][data-status="token"]');
    await page.fill('[data-testid="token-input"]', 'not-the-token');
    await page.click('[data-testid="token-submit"]');
    // A wrong one is refused (401): the form asks again, and the command waits again.
    await page.waitForSelector('[data-testid="token-form"]:has-text("refused")', {
      state: 'visible',
    });
    await page.fill('[data-testid="token-input"]', TOKEN);
    await page.click('[data-testid="token-submit"]');
    await page.waitForSelector('[data-testid="command-result"][data-status="ok"]');
    await page.waitForSelector(`${row('worker')}[data-generation="1"][data-state="running"]`);
    expect(await page.isHidden('[data-testid="token-form"]')).toBe(true);

    // Asked once: the next command uses the kept token.
    await page.click('[data-testid="command-restart"]');
    await page.waitForSelector(`${row('worker')}[data-generation="2"][data-state="running"]`);
    await page.waitForSelector('[data-testid="command-result"][data-status="ok"]');
    expect(await page.isHidden('[data-testid="token-form"]')).toBe(true);

    // Stop, then stop again: the control API's 409 message is shown.
    await page.click('[data-testid="command-stop"]');
    await page.waitForSelector(`${row('worker')}[data-state="stopped"]`);
    await page.waitForSelector('[data-testid="command-result"][data-status="ok"]');
    await page.click('[data-testid="command-stop"]');
    await page.waitForSelector(
      '[data-testid="command-result"][data-status="error"]:has-text("409")',
    );
    await page.click('[data-testid="command-start"]');
    await page.waitForSelector(`${row('worker')}[data-state="running"][data-generation="3"]`);
  });

  it('says when it is disconnected, reconnects by itself and takes the new snapshot whole', async () => {
    const tree = (id: string) =>
      createSupervisor({
        id: 'root',
        strategy: 'one-for-one',
        logger: silentLogger,
        children: [createService({ id, minPeriod: 50, iterate() {} })],
      });
    const first = start(tree('before'));
    const server = await createInspectorServer(first, { logger: silentLogger });
    let closeFirst: (() => Promise<void>) | undefined = () => server.close();
    cleanups.push(() => closeFirst?.());
    const page = await openPage(server.url);
    await page.waitForSelector(`${row('before')}[data-state="running"]`);
    expect(await page.isHidden('[data-testid="banner"]')).toBe(true);

    // The app goes away: the page says so, and keeps the last tree on screen.
    await server.close();
    closeFirst = undefined;
    await page.waitForSelector('body[data-connection="disconnected"]');
    await page.waitForSelector('[data-testid="banner"]:has-text("Disconnected — reconnecting…")');
    expect(await page.textContent('[data-testid="connection"]')).toContain('Disconnected');

    // It comes back on the same port, with another tree: the page shows that one only.
    const second = start(tree('after'));
    await reach(second, 'running');
    await inspect(second, { port: Number(new URL(server.url).port) });
    await page.waitForSelector(`${row('after')}[data-state="running"]`, { timeout: 15_000 });
    await page.waitForSelector('body[data-connection="open"]');
    expect(await page.isHidden('[data-testid="banner"]')).toBe(true);
    expect(await page.$(row('before'))).toBeNull();
  });

  it('stays responsive with 1,000 services in a restart storm', async () => {
    const groups = Array.from({ length: 10 }, (_, g) =>
      createSupervisor({
        id: `group-${g}`,
        strategy: 'one-for-one',
        maxRestarts: 1_000_000,
        restartWindow: 1_000,
        logger: silentLogger,
        children: Array.from({ length: 100 }, (_, i) =>
          createService({
            id: `svc-${g}-${i}`,
            minPeriod: 50,
            maxFailures: 0,
            iterate(ctx) {
              // Each service fails once per generation, 2 to 6 s in: ~250 restarts a second.
              if (ctx.iteration === 40 + ((i * 37) % 80)) throw new Error('storm');
            },
          }),
        ),
      }),
    );
    const actor = start(
      createSupervisor({
        id: 'root',
        strategy: 'one-for-one',
        maxRestarts: 1_000_000,
        restartWindow: 1_000,
        logger: silentLogger,
        children: groups,
      }),
    );
    await reach(actor, 'running', 10_000);
    const page = await openPage((await inspect(actor)).url);

    await page.waitForSelector(`${row('group-0/svc-0-3')}`);
    // Chromium's trace of the storm: frame times while the page follows it.
    const stopTrace = await traceFrames(page);
    // The storm shows: generations go up and reports arrive.
    await page.waitForSelector(`${row('group-0/svc-0-0')}:not([data-generation="0"])`);
    await page.waitForSelector('[data-testid="timeline"] li.report[data-type="child.restarted"]');
    // The page answers clicks during the storm.
    await page.click(row('group-0/svc-0-7'));
    await page.waitForSelector('[data-testid="details"] .details-id:text-is("svc-0-7")');
    await page.fill('[data-testid="filter"]', 'svc-9-99');
    await page.waitForSelector(row('group-9/svc-9-99'));
    await page.fill('[data-testid="filter"]', '');
    // The DOM stays small: rows only for what is in view, the latest 500 reports.
    await until(page, `document.querySelectorAll('.node').length > 20`);
    expect(await page.$$eval('.node', (els) => els.length)).toBeLessThan(100);
    await page.waitForSelector('[data-testid="timeline-count"]:has-text("latest 500")');
    // The count can lead the list by a frame under load (456 rows read at once once): wait for
    // the rows, then check the list holds no more than the latest 500.
    await until(page, `document.querySelectorAll('li.report').length >= 500`);
    expect(await page.$$eval('li.report', (els) => els.length)).toBe(500);
    expect(await page.textContent('[data-testid="count-running"]')).toMatch(/\d+ running/);
    const frames = await stopTrace();
    const p95 = quantile(frames, 0.95);
    console.log(`storm: ${frames.length} frames traced, frame time p95 ${p95.toFixed(1)} ms`);
    // The trace ran and the page drew through the storm. The p95 is reported, not asserted:
    // intervals between drawn frames include idle time and, on a loaded machine, the storm's
    // own process on the same cores (docs/performance.md has the figures).
    expect(frames.length).toBeGreaterThan(10);
    expect(Number.isFinite(p95)).toBe(true);
  }, 60_000);
});
