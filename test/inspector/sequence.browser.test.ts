/**
 * The sequence view: the events between the actors of the selected subtree, in order, who
 * sent what to whom, each payload in a collapsible JSON browser. The test sends an event with
 * a payload to a supervised machine and finds it there.
 */
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { createSupervisor, silentLogger, supervise } from '../../src/index.ts';
import { reach } from '../helpers/supervisor.ts';
import { row, usePageHarness } from './page-harness.ts';

const { start, inspect, openPage } = usePageHarness();

const door = setup({}).createMachine({
  id: 'door',
  initial: 'closed',
  states: {
    closed: { tags: ['ready'], on: { 'door.open': 'open' } },
    open: { tags: ['ready'], on: { 'door.close': 'closed' } },
  },
});

describe('inspector page: sequence view', () => {
  it('shows an event the test sent, from whom to whom, with its payload browsable', async () => {
    const actor = start(
      createSupervisor({
        id: 'root',
        strategy: 'one-for-one',
        logger: silentLogger,
        children: [supervise(door, { ready: 'ready' })],
      }),
    );
    await reach(actor, 'running');
    const page = await openPage((await inspect(actor)).url);
    await page.waitForSelector(row('door'));
    await page.click(row('root'));
    await page.waitForSelector('[data-testid="sequence"]');

    actor.send({
      type: 'child.send',
      id: 'door',
      event: { type: 'door.open', by: 'the test', detail: { attempt: 1, tags: ['a', 'b'] } },
    });
    const sent = '[data-testid="sequence"] li.seq-row[data-type="door.open"]';
    await page.waitForSelector(sent);
    expect(await page.textContent(`${sent} .seq-to`)).toBe('door');
    expect(await page.textContent(`${sent} .event-type`)).toBe('door.open');
    // The payload: closed at first, open on a click, nested levels open on theirs.
    expect(await page.isVisible(`${sent} [data-testid="json-view"]`)).toBe(false);
    await page.click(`${sent} summary.seq-line`);
    await page.waitForSelector(`${sent} [data-testid="json-view"]`, { state: 'visible' });
    expect(await page.textContent(`${sent} [data-testid="json-view"]`)).toContain('"the test"');
    const detail = `${sent} details.json-branch:has(> summary:has-text("detail"))`;
    expect(await page.textContent(`${detail} > summary`)).toContain('{2 keys}');
    await page.click(`${detail} > summary`);
    await page.waitForSelector(`${detail} .json-row:has-text("attempt: 1")`);

    // In order: a later event comes after it.
    actor.send({ type: 'child.send', id: 'door', event: { type: 'door.close' } });
    await page.waitForSelector('[data-testid="sequence"] li.seq-row[data-type="door.close"]');
    const types = await page.$$eval('[data-testid="sequence"] li.seq-row', (lis) =>
      lis.map((li) => li.getAttribute('data-type')),
    );
    expect(types.indexOf('door.open')).toBeLessThan(types.indexOf('door.close'));
  }, 30_000);
});
