/**
 * The table view: every supervisor and service with its figures, sorted by a click on a
 * column's heading (again: the other way), filtered by the filter box. Order is asserted by
 * content, never by timing margins: a service that sleeps 20 ms per iteration has a higher
 * mean than one that returns at once, and one restarted by its supervisor has more restarts.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createService, createSupervisor, silentLogger } from '../../src/index.ts';
import { reach } from '../helpers/supervisor.ts';
import { until, usePageHarness } from './page-harness.ts';

const { start, inspect, openPage } = usePageHarness();

const TABLE = '[data-testid="service-table"]';

/** The table's column `col`, top to bottom. */
const column = (page: Page, col: string) =>
  page.$$eval(`${TABLE} tbody td[data-col="${col}"]`, (tds) => tds.map((td) => td.textContent));

describe('inspector page: table view', () => {
  it('lists every service with its figures, sorts by any column both ways and filters', async () => {
    let failOnce = true;
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      logger: silentLogger,
      children: [
        createService({ id: 'fast', minPeriod: 10, iterate() {} }),
        createService({
          id: 'slow',
          async iterate() {
            await new Promise((resolve) => setTimeout(resolve, 20));
          },
        }),
        createService({
          id: 'flaky',
          minPeriod: 10,
          maxFailures: 0,
          iterate() {
            if (failOnce) {
              failOnce = false;
              throw new Error('boom once');
            }
          },
        }),
      ],
    });
    const actor = start(root);
    await reach(actor, 'running');
    const page = await openPage((await inspect(actor)).url);
    await page.click('[data-testid="view-table"]');
    await page.waitForSelector(TABLE, { state: 'visible' });
    expect(await page.isHidden('[data-testid="tree"], #tree')).toBe(true);

    // Every node of ours, by name; the figures come in once measured.
    await until(
      page,
      `[...document.querySelectorAll('${TABLE} td[data-col="mean"]')].filter((td) => td.textContent).length === 3 &&
        document.querySelector('${TABLE} tr[data-key] td[data-col="error"]:not(:empty)') !== null`,
    );
    expect(await column(page, 'name')).toEqual(['fast', 'flaky', 'root', 'slow']);
    expect((await column(page, 'kind')).slice(0, 2)).toEqual(['loop', 'loop']);

    // Sort by mean iteration time: first click descending (numbers), then ascending.
    await page.click('[data-testid="sort-mean"]');
    await until(
      page,
      `document.querySelector('${TABLE} th[data-col="mean"]').getAttribute('aria-sort') === 'descending'`,
    );
    expect((await column(page, 'name'))[0]).toBe('slow');
    await page.click('[data-testid="sort-mean"]');
    expect(await page.getAttribute(`${TABLE} th[data-col="mean"]`, 'aria-sort')).toBe('ascending');
    const ascending = await column(page, 'name');
    expect(ascending.indexOf('slow')).toBeGreaterThan(ascending.indexOf('fast'));

    // Sort by restarts: the one its supervisor restarted comes first, with its last error.
    await page.click('[data-testid="sort-restarts"]');
    expect((await column(page, 'name'))[0]).toBe('flaky');
    expect((await column(page, 'restarts'))[0]).toBe('1');
    expect((await column(page, 'error'))[0]).toBe('boom once');

    // The filter box filters the table too; a click selects the node.
    await page.fill('[data-testid="filter"]', 'sl');
    await until(page, `document.querySelectorAll('${TABLE} tbody tr').length === 1`);
    expect(await column(page, 'name')).toEqual(['slow']);
    await page.click(`${TABLE} tbody tr`);
    await page.waitForSelector('[data-testid="details"] .details-id:text-is("slow")');
    expect(await page.getAttribute(`${TABLE} tbody tr`, 'aria-selected')).toBe('true');

    // Back to the tree.
    await page.click('[data-testid="view-tree"]');
    await page.waitForSelector('#tree', { state: 'visible' });
    expect(await page.isHidden(TABLE)).toBe(true);
  }, 30_000);
});
