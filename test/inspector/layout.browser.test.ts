/**
 * The layout: the separator between tree and details resizes them, and the one above the
 * timeline and system panels resizes the lower row, by dragging and by keys, kept across a
 * reload.
 */
import { describe, expect, it } from 'vitest';
import { row, until, usePageHarness } from './page-harness.ts';

const { openOneService } = usePageHarness();

/** The page at 1400×900 on a supervisor with one service. */
async function openAt1400() {
  return (await openOneService({ width: 1400, height: 900 })).page;
}

describe('inspector page: layout', () => {
  it('resizes the tree and details panels with the separator, by mouse and keys', async () => {
    const page = await openAt1400();
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

  it('resizes the lower row with its separator, by mouse and keys, and keeps it on reload', async () => {
    const page = await openAt1400();
    const SEPARATOR = '[data-testid="splitter-rows"]';
    const lowerHeight = () =>
      page.evaluate(
        `document.querySelector('.timeline-panel').getBoundingClientRect().height`,
      ) as Promise<number>;
    const detailsHeight = () =>
      page.evaluate(
        `document.querySelector('.details-panel').getBoundingClientRect().height`,
      ) as Promise<number>;
    const before = await lowerHeight();
    const details = await detailsHeight();
    const share = Number(await page.getAttribute(SEPARATOR, 'aria-valuenow'));
    const box = (await page.locator(SEPARATOR).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y - 200, { steps: 5 });
    await page.mouse.up();
    await until(
      page,
      `document.querySelector('.timeline-panel').getBoundingClientRect().height > ${before + 150}`,
    );
    expect(await detailsHeight()).toBeLessThan(details - 150);
    const dragged = Number(await page.getAttribute(SEPARATOR, 'aria-valuenow'));
    expect(dragged).toBeGreaterThan(share);
    // Kept for the tab: a reload comes back with the same rows.
    const kept = await lowerHeight();
    await page.reload();
    await page.waitForSelector(row('svc'));
    expect(await page.getAttribute(SEPARATOR, 'aria-valuenow')).toBe(String(dragged));
    expect(await lowerHeight()).toBeCloseTo(kept, 0);
    // Keys: Home gives the lower row the least it may have, ArrowUp grows it.
    await page.focus(SEPARATOR);
    await page.keyboard.press('Home');
    expect(await page.getAttribute(SEPARATOR, 'aria-valuenow')).toBe('15');
    await page.keyboard.press('ArrowUp');
    expect(await page.getAttribute(SEPARATOR, 'aria-valuenow')).toBe('17');
    expect(await lowerHeight()).toBeLessThan(before);
  });
});
