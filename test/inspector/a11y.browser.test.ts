/**
 * The page from the keyboard and with the system's settings: the tree announces its selected
 * row with aria-activedescendant and shows a focus ring, the timeline's reports and the
 * statechart are reachable by keys, and the colours follow prefers-color-scheme.
 */
import { describe, expect, it } from 'vitest';
import { createService, createSupervisor, silentLogger } from '../../src/index.ts';
import { reach } from '../helpers/supervisor.ts';
import { row, until, usePageHarness } from './page-harness.ts';

const { start, inspect, openPage, openOneService } = usePageHarness();

describe('inspector page: keyboard and system settings', () => {
  it('moves the selection by keys, announces it, and reaches the timeline and statechart', async () => {
    let failOnce = true;
    const actor = start(
      createSupervisor({
        id: 'root',
        strategy: 'one-for-one',
        logger: silentLogger,
        children: [
          createService({ id: 'alpha', minPeriod: 50, iterate() {} }),
          createService({
            id: 'beta',
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
    await page.waitForSelector(row('alpha'));

    // The tree: selected by a click, announced, moved by arrows.
    await page.click(row('alpha'));
    const alphaId = await page.getAttribute(row('alpha'), 'id');
    await until(
      page,
      `document.getElementById('tree').getAttribute('aria-activedescendant') === '${alphaId}'`,
    );
    await page.keyboard.press('ArrowDown');
    const betaId = await page.getAttribute(row('beta'), 'id');
    await until(
      page,
      `document.getElementById('tree').getAttribute('aria-activedescendant') === '${betaId}'`,
    );
    expect(await page.getAttribute(row('beta'), 'aria-selected')).toBe('true');
    // A visible focus ring on the focused tree's selected row.
    expect(
      await page.evaluate(
        `getComputedStyle(document.querySelector('${row('beta')}')).outlineStyle`,
      ),
    ).toBe('solid');

    // The timeline: one Tab stop; arrows and Enter select a report's node.
    await page.click(row('alpha'));
    await page.waitForSelector('[data-testid="timeline"] li.report[data-type="child.restarted"]');
    await page.focus('[data-testid="timeline"]');
    await page.keyboard.press('Home');
    const focused = await page.evaluate(`document.activeElement?.getAttribute('data-type')`);
    expect(focused).toMatch(/^child\./);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="details"] .details-id:text-is("beta")');

    // The statechart: Enter zooms in, again out.
    await page.focus('[data-testid="statechart"]');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('[data-testid="statechart"]', 'class')).toContain('chart-full');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('[data-testid="statechart"]', 'class')).not.toContain(
      'chart-full',
    );
  }, 30_000);

  it('follows the system’s dark setting', async () => {
    const { page } = await openOneService();
    const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await background()).toBe('rgb(244, 245, 247)');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).toBe('rgb(13, 17, 23)');
  });
});
