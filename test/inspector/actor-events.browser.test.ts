/**
 * The inspector page on a user's own machine, in a real Chromium: its own statechart drawn with
 * the active state, its context, and the event box that sends events through the inspector to
 * the real control API (with its token). Every wait is on the page, never a sleep: a sent
 * event is seen arriving by the highlighted state moving.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { createSupervisor, silentLogger, supervise } from '../../src/index.ts';
import { reach } from '../helpers/supervisor.ts';
import { row, until, usePageHarness } from './page-harness.ts';

const TOKEN = 'event-box-token';
const { start, inspect, control, openPage } = usePageHarness();

const door = setup({
  types: { context: {} as { opened: number }, events: {} as { type: string; key?: string } },
  guards: { hasKey: ({ event }) => event.key === 'brass' },
}).createMachine({
  id: 'door',
  initial: 'closed',
  context: { opened: 0 },
  states: {
    closed: {
      on: {
        'door.open': {
          target: 'open',
          actions: assign({ opened: ({ context }) => context.opened + 1 }),
        },
        'door.lock': 'locked',
      },
    },
    open: { on: { 'door.close': 'closed' } },
    locked: { on: { 'door.unlock': { guard: 'hasKey', target: 'closed' } } },
  },
});

const active = (id: string) =>
  `[data-testid="statechart"] g.chart-state.active[data-state-id="${id}"]`;
const result = '[data-testid="event-result"]';

/** The event types the box offers now, in order. */
function offered(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="event-button"]', (els) =>
    els.map((el) => el.getAttribute('data-event') ?? ''),
  );
}

/** Waits until the box offers exactly `types`. */
function offers(page: Page, types: string[]) {
  return until(
    page,
    `JSON.stringify([...document.querySelectorAll('[data-testid="event-button"]')].map((b) => b.dataset.event)) === ${JSON.stringify(JSON.stringify(types))}`,
  );
}

async function sendJson(page: Page, json: string): Promise<void> {
  await page.fill('[data-testid="event-json"]', json);
  await page.click('[data-testid="event-send"]');
}

async function openDoor() {
  const root = createSupervisor({
    id: 'root',
    strategy: 'one-for-one',
    logger: silentLogger,
    children: [supervise(door, {})],
  });
  const actor = start(root);
  await reach(actor, 'running');
  const api = await control(actor, TOKEN);
  const page = await openPage((await inspect(actor, { control: { url: api.url } })).url);
  // The page asks for the token at once; give it before sending anything.
  await page.fill('[data-testid="token-input"]', TOKEN);
  await page.click('[data-testid="token-submit"]');
  await page.click(row('door'));
  await page.waitForSelector('[data-testid="event-box"]', { state: 'visible' });
  return { actor, page };
}

describe('inspector page: the user’s own machine', { timeout: 60_000 }, () => {
  it('draws its own states with the active one, and its context', async () => {
    const { page } = await openDoor();
    await page.waitForSelector(active('door.closed'));
    const titles = await page.$$eval('[data-testid="statechart"] text.chart-title', (els) =>
      els.map((el) => el.textContent),
    );
    expect(titles).toEqual(expect.arrayContaining(['closed', 'open', 'locked']));
    // Its row: its state value, and the generation its supervisor counts.
    expect(await page.textContent(`${row('door')} .node-state`)).toBe('closed');
    expect(await page.textContent(`${row('door')} .node-gen`)).toBe('gen 0');
    expect(JSON.parse((await page.textContent('[data-testid="context"]')) ?? '')).toEqual({
      opened: 0,
    });
  });

  it('sends the events its current state takes from the box, and any event as JSON', async () => {
    const { page } = await openDoor();
    await page.waitForSelector(active('door.closed'));
    await offers(page, ['door.open', 'door.lock']);

    // From the keyboard: the first offered event's button, then Enter.
    await page.focus('[data-testid="event-button"][data-event="door.open"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector(active('door.open'));
    await page.waitForSelector(`${result}[data-status="ok"]:has-text("Sent door.open")`);
    await until(
      page,
      `document.querySelector('[data-testid="context"]').textContent.includes('"opened": 1')`,
    );
    // The offer follows the state, and the focus stays in the box for the next key press.
    await offers(page, ['door.close']);
    expect(await page.evaluate('document.activeElement?.dataset.event')).toBe('door.close');

    // Free JSON: any event, with its payload.
    await sendJson(page, '{"type":"door.close"}');
    await page.waitForSelector(active('door.closed'));
    await sendJson(page, '{"type":"door.lock"}');
    await page.waitForSelector(active('door.locked'));
    // A guarded event is offered with its guard named.
    await offers(page, ['door.unlock']);
    expect(await page.textContent('[data-event="door.unlock"]')).toContain('[hasKey]');
    await page.fill('[data-testid="event-json"]', '{"type":"door.unlock","key":"brass"}');
    await page.press('[data-testid="event-json"]', 'Control+Enter');
    await page.waitForSelector(active('door.closed'));
    expect(await offered(page)).toEqual(['door.open', 'door.lock']);
  });

  it('shows the control API’s refusals: bad JSON, an object without type, a stopped actor', async () => {
    const { page } = await openDoor();
    await page.waitForSelector(active('door.closed'));

    await sendJson(page, '{"type": ');
    await page.waitForSelector(`${result}[data-status="error"]:has-text("400 BAD_JSON")`);
    await sendJson(page, '{"kind":"door.open"}');
    await page.waitForSelector(`${result}[data-status="error"]:has-text("400 INVALID_EVENT")`);
    expect(await page.$(active('door.closed'))).not.toBeNull();

    // Stopped from its command bar: sending is refused with 409 until it runs again.
    await page.click('[data-testid="command-stop"]');
    await page.waitForSelector(`${row('door')}[data-status="stopped"]`);
    await sendJson(page, '{"type":"door.open"}');
    await page.waitForSelector(`${result}[data-status="error"]:has-text("409 NOT_RUNNING")`);
    expect(await page.textContent(result)).toContain('door.open');
  });
});
