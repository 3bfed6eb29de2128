/**
 * A real browser for the inspector page's tests: Debian's Chromium (`/usr/bin/chromium`,
 * which `.ci/run` installs) driven by playwright-core, headless, with a fresh profile that is
 * deleted on close. `npx playwright install` cannot download browsers here, so the path is
 * fixed; `CHROMIUM_PATH` overrides it.
 */
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A browser with one page; `close()` ends the browser and removes its profile. */
export interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/** Whether the Chromium the tests need is installed (the tests fail with the fix if not). */
export async function hasChromium(): Promise<boolean> {
  try {
    await access(CHROMIUM_PATH);
    return true;
  } catch {
    return false;
  }
}

/**
 * Launches headless Chromium with a fresh user-data-dir and opens one page.
 *
 * @example
 * ```ts
 * const browser = await launchBrowser({ width: 1280, height: 800 });
 * await browser.page.goto(url);
 * await browser.close();
 * ```
 */
export async function launchBrowser(
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'xss-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      viewport,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const opened = context;
    return {
      context: opened,
      page,
      async close() {
        await opened.close().catch(() => {});
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await context?.close().catch(() => {});
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
}
