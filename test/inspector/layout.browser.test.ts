/**
 * The layout: the separator between tree and details resizes them, by dragging and by keys.
 */
import { describe, expect, it } from 'vitest';
import { createService, createSupervisor, silentLogger } from '../../src/index.ts';
import { reach } from '../helpers/supervisor.ts';
import { row, until, usePageHarness } from './page-harness.ts';

const { start, inspect, openPage } = usePageHarness();

describe('inspector page: layout', () => {
  it('resizes the tree and details panels with the separator, by mouse and keys', async () => {
    const actor = start(
      createSupervisor({
        id: 'root',
        strategy: 'one-for-one',
        logger: silentLogger,
        children: [createService({ id: 'svc', minPeriod: 50, iterate() {} })],
      }),
    );
    await reach(actor, 'running');
    const page = await openPage((await inspect(actor)).url, { width: 1400, height: 900 });
    await page.waitForSelector(row('svc'));
    const treeWidth = () =>
      page.evaluate(
        `document.querySelector('.tree-panel').getBoundingClientRect().width`,
      ) as Promise<number>;
    const before = await treeWidth();
    const box = (await page.locator('[data-testid="splitter"]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x - 300, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await until(
      page,
      `document.querySelector('.tree-panel').getBoundingClientRect().width < ${before - 200}`,
    );
    const narrowed = Number(await page.getAttribute('[data-testid="splitter"]', 'aria-valuenow'));
    expect(narrowed).toBeLessThan(52);
    // Keys: End widens the tree to the most it may take.
    await page.focus('[data-testid="splitter"]');
    await page.keyboard.press('End');
    expect(await page.getAttribute('[data-testid="splitter"]', 'aria-valuenow')).toBe('80');
    expect(await treeWidth()).toBeGreaterThan(before);
  });
});
