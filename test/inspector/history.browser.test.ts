/**
 * A service's history in the details panel: sparklines of its iterations per second, mean
 * iteration time and failures, one sample a second while the page is open, and for a queue
 * worker its depth and throughput. Asserted by growth and content, never by timing.
 */
import { describe, expect, it } from 'vitest';
import { createService, createSupervisor, silentLogger } from '../../src/index.ts';
import { reach } from '../helpers/supervisor.ts';
import { heldQueue } from './held-queue.ts';
import { row, until, usePageHarness } from './page-harness.ts';

const { start, inspect, openPage } = usePageHarness();

const attr = (testid: string, name: string) =>
  `Number(document.querySelector('[data-testid="${testid}"]')?.getAttribute('${name}') ?? -1)`;

describe('inspector page: service history', () => {
  it('grows a service’s sparklines as its iterations run, and shows a queue’s depth', async () => {
    const { worker: jobs, release } = heldQueue('jobs');
    const actor = start(
      createSupervisor({
        id: 'root',
        strategy: 'one-for-one',
        logger: silentLogger,
        children: [createService({ id: 'ticker', minPeriod: 20, iterate() {} }), jobs],
      }),
    );
    try {
      await reach(actor, 'running');
      for (let i = 0; i < 3; i++) jobs.put(i);
      const page = await openPage((await inspect(actor)).url);
      await page.click(row('ticker'));
      await page.waitForSelector('[data-testid="history"] [data-testid="spark-rate"]');
      // The queue's sparklines are only for queue workers.
      expect(await page.isHidden('[data-series="queued"]')).toBe(true);
      await until(page, `${attr('spark-rate', 'data-count')} >= 2`);
      const count = Number(await page.evaluate(attr('spark-rate', 'data-count')));
      await until(page, `${attr('spark-rate', 'data-count')} >= ${count + 2}`);
      await until(page, `${attr('spark-rate', 'data-max')} > 0`);
      await until(page, `${attr('spark-mean', 'data-count')} >= ${count + 2}`);
      expect(await page.evaluate(attr('spark-failures', 'data-max'))).toBe(0);

      await page.click(row('jobs'));
      await page.waitForSelector('[data-series="queued"]', { state: 'visible' });
      await until(page, `${attr('spark-queued', 'data-last')} === 2`);
    } finally {
      release();
    }
  }, 30_000);
});
