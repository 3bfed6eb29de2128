/**
 * What the inspector page's browser tests share: a real Chromium (playwright-core), the built
 * page, the real inspector and control servers, and a cleanup list run after each test (every
 * cleanup runs, even after one throws, so a page error never leaks a browser). Waits are on
 * conditions in the page, never fixed sleeps.
 */
import type { Page } from 'playwright-core';
import { afterEach, beforeAll, expect } from 'vitest';
import { type AnyActorLogic, type AnyActorRef, createActor } from 'xstate';
import {
  createControlServer,
  createInspectorServer,
  createService,
  createSupervisor,
  type InspectorServerOptions,
  silentLogger,
} from '../../src/index.ts';
import { CHROMIUM_PATH, hasChromium, launchBrowser } from '../helpers/browser.ts';
import { reach } from '../helpers/supervisor.ts';
import { ensurePageBuilt } from './built-page.ts';

/** How long a wait on the page may take. */
export const WAIT = 10_000;

/** A row of the tree by its path (the top supervisor's id for it). */
export const row = (name: string) => `[data-testid="node-${name}"]`;

/** Waits until `expression`, evaluated in the page, is truthy. */
export function until(page: Page, expression: string, timeout = WAIT) {
  return page.waitForFunction(expression, undefined, { timeout });
}

/** The smallest tree worth a page: `root` (one-for-one) over one pacing service `svc`. */
export function oneServiceRoot() {
  return createSupervisor({
    id: 'root',
    strategy: 'one-for-one',
    logger: silentLogger,
    children: [createService({ id: 'svc', minPeriod: 50, iterate() {} })],
  });
}

/**
 * Registers the file's hooks (Chromium there, the page built, cleanups after each test) and
 * returns the helpers that register their own cleanup.
 */
export function usePageHarness() {
  const cleanups: Array<() => unknown> = [];

  // A missing browser fails every test here with the fix, never skips them quietly.
  beforeAll(async () => {
    if (!(await hasChromium())) {
      throw new Error(
        `The inspector page tests need Chromium at ${CHROMIUM_PATH}: install it (Debian: apt-get install chromium; .ci/run does) or set CHROMIUM_PATH.`,
      );
    }
  });
  beforeAll(ensurePageBuilt, 60_000);

  afterEach(async () => {
    const errors: unknown[] = [];
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw errors[0];
  });

  const start = (logic: AnyActorLogic): AnyActorRef => {
    const actor = createActor(logic).start();
    cleanups.push(() => actor.stop());
    return actor;
  };
  const inspect = async (actor: AnyActorRef, options: InspectorServerOptions = {}) => {
    const server = await createInspectorServer(actor, { logger: silentLogger, ...options });
    cleanups.push(() => server.close());
    return server;
  };
  const openPage = async (url: string, viewport = { width: 1280, height: 800 }): Promise<Page> => {
    const browser = await launchBrowser(viewport);
    cleanups.push(() => browser.close());
    const errors: string[] = [];
    browser.page.on('pageerror', (e) => errors.push(e.message));
    cleanups.push(() => expect(errors, 'errors thrown in the page').toEqual([]));
    browser.page.setDefaultTimeout(WAIT);
    await browser.page.goto(url);
    return browser.page;
  };

  return {
    cleanups,
    start,
    inspect,
    openPage,
    /** {@link oneServiceRoot} running, and the page on it once its service's row is drawn. */
    async openOneService(viewport?: { width: number; height: number }) {
      const actor = start(oneServiceRoot());
      await reach(actor, 'running');
      const page = await openPage((await inspect(actor)).url, viewport);
      await page.waitForSelector(row('svc'));
      return { actor, page };
    },
    async control(actor: AnyActorRef, token?: string) {
      const server = await createControlServer(actor, {
        logger: silentLogger,
        ...(token ? { token } : {}),
      });
      cleanups.push(() => server.close());
      return server;
    },
  };
}
