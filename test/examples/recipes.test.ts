/**
 * The recipes in docs/recipes/: every TypeScript block of a recipe page is code of its example
 * (so it compiles with `tsc` and cannot rot), and each example runs as a user would run it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';
import { runNode, tsBlocks } from './doc-code.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(`${root}/${path}`, 'utf8');

/** Each recipe page and the example folder its code comes from. */
const RECIPES: Record<string, string> = {
  'http-queue-worker.md': 'http-queue',
  'cron-job.md': 'cron-job',
  'supervised-connection.md': 'connection',
  'graceful-shutdown.md': 'graceful-shutdown',
  'testing-a-tree.md': 'testing-a-tree',
};

describe('recipe pages', () => {
  it('has an example folder for every recipe page', () => {
    const pages = readdirSync(`${root}/docs/recipes`).filter((f) => f !== 'README.md');
    expect(pages.sort()).toEqual(Object.keys(RECIPES).sort());
  });

  it.each(Object.entries(RECIPES))('quotes %s from its example, import path aside', (page, dir) => {
    const sources = readdirSync(`${root}/examples/recipes/${dir}`)
      .filter((f) => f.endsWith('.ts'))
      .map((f) =>
        read(`examples/recipes/${dir}/${f}`).replaceAll(
          "'../../../src/index.ts'",
          "'xstate-supervisor'",
        ),
      );
    const blocks = tsBlocks(read(`docs/recipes/${page}`));
    expect(blocks.length).toBeGreaterThan(0);
    const missing = blocks.filter((block) => !sources.some((source) => source.includes(block)));
    expect(missing).toEqual([]);
  });
});

const lines = (out: string) => out.trim().split('\n');

describe('recipe examples', () => {
  it('http-queue: the server accepts three jobs with 202 and the worker handles each before the stop', async () => {
    const { code, stdout, stderr } = await runExample('recipes/http-queue');
    expect(code, stderr).toBe(0);
    const out = lines(stdout);
    for (const email of ['ada@example.com', 'grace@example.com', 'edsger@example.com']) {
      expect(out).toContain(`POST /jobs ${email}: 202`);
      expect(out).toContain(`mailed ${email}`);
    }
    expect(out.at(-1)).toBe('stopped: stopped');
    // The server stops before the worker it feeds.
    expect(stderr.indexOf('child=api')).toBeLessThan(stderr.lastIndexOf('child=mailer'));
  });

  it('cron-job: shows three next fire times at 02:30 Paris time and runs the job by hand', async () => {
    const { code, stdout, stderr } = await runExample('recipes/cron-job');
    expect(code, stderr).toBe(0);
    const out = lines(stdout);
    // 02:30 in Paris is 00:30 UTC in summer and 01:30 UTC in winter.
    expect(out[0]).toMatch(/^next runs: 3, first at \d{4}-\d\d-\d\dT0[01]:30:00\.000Z$/);
    expect(out).toContain('run-now: {"rows":42}');
    expect(out.at(-1)).toBe('stopped: stopped');
  });

  it('connection: a dropped connection is restarted as generation 1, which delivers a line and closes cleanly', async () => {
    const { code, stdout, stderr } = await runExample('recipes/connection');
    expect(code, stderr).toBe(0);
    const out = lines(stdout);
    expect(out.indexOf('remote: connection 1')).toBeLessThan(out.indexOf('remote: connection 2'));
    expect(out).toContain('reconnected: generation 1 (connection lost)');
    expect(out).toContain('live connection: "connected"');
    expect(out).toContain('remote got: hello');
    expect(out.at(-1)).toBe('stopped: stopped in "closed"');
  });

  it('graceful-shutdown: on SIGTERM readiness turns 503 at once, requests are served through the delay, the one in flight is answered, and the app exits 0', async () => {
    const { code, stdout, stderr } = await runExample('recipes/graceful-shutdown', {
      timeout: 30_000,
    });
    expect(code, stderr).toBe(0);
    expect(lines(stdout)).toEqual([
      'before SIGTERM: /readyz 200',
      'during the shutdown delay: /readyz 503',
      'a new request during the delay: 200',
      'the request in flight: 200 slow answer',
      'a new request after the drain: refused',
      'app exited with code 0',
    ]);
  }, 40_000);

  it('testing-a-tree: its vitest suite passes under fake timers', async () => {
    const { code, output } = await runNode(
      [
        `${root}/node_modules/vitest/vitest.mjs`,
        'run',
        '--config',
        'examples/recipes/testing-a-tree/vitest.config.ts',
      ],
      root,
      60_000,
    );
    expect(code, output).toBe(0);
    expect(output).toMatch(/Tests\s+3 passed \(3\)/);
  }, 70_000);
});
