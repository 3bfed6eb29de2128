/**
 * The screenshot in the README and in the inspector's docs page, taken from the demo itself
 * (`npm start`'s program, run as a child process), so it never goes stale.
 * Written to docs/images/inspector.png when missing or asked for (UPDATE_SCREENSHOTS=1): a
 * run of the tests does not rewrite the committed image with new timestamps.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { row, until, usePageHarness, WAIT } from './page-harness.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOT = join(ROOT, 'docs', 'images', 'inspector.png');

const { cleanups, openPage } = usePageHarness();

/** Starts the demo and resolves with its inspector's URL, read from its output. */
function startDemo(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      // The demo as `npm start` runs it (its own pace and failure rate), on free ports.
      DEMO_INSPECTOR_PORT: '0',
      DEMO_CONTROL_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT');
        // A demo that ignores Ctrl+C is killed: nothing is left running.
        setTimeout(() => child.kill('SIGKILL'), WAIT).unref();
      }),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () =>
        reject(
          new Error(`The demo printed no inspector URL within ${WAIT * 3} ms:\n${out}\n${err}`),
        ),
      WAIT * 3,
    );
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /^inspector: (http:\/\/\S+)/m.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`The demo exited (${code}) before printing its inspector URL:\n${out}\n${err}`),
      );
    });
  });
}

describe('inspector page: the docs screenshot', () => {
  it('is taken from the running demo', async () => {
    const { url } = await startDemo();
    const page = await openPage(url, { width: 1400, height: 900 });
    await page.waitForSelector(`${row('report')}[data-state="stopped"]`, { timeout: WAIT * 2 });
    await page.waitForSelector(`${row('flaky')}:not([data-generation="0"])`, { timeout: WAIT * 2 });
    await page.click(row('flaky'));
    await page.waitForSelector('[data-testid="statechart"] g.chart-state.active');
    // A few system samples and a sparkline with some history.
    await until(
      page,
      `Number(document.querySelector('[data-testid="chart-lag"]')?.getAttribute('data-count')) >= 5`,
      WAIT * 2,
    );
    await until(page, `document.querySelectorAll('li.report').length >= 6`);
    const update = process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(SCREENSHOT);
    const path = update ? SCREENSHOT : join(tmpdir(), 'xstate-supervisor-inspector.png');
    await mkdir(join(path, '..'), { recursive: true });
    await page.screenshot({ path });
    expect(existsSync(path)).toBe(true);
  }, 90_000);
});
