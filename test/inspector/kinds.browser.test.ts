/**
 * The tree's rows tell each service's kind (a badge) and its key figure, the same as
 * `kindFigure()` reads from `getTree()`: a queue worker's depth and tasks in flight, an HTTP
 * server's URL and connections, a cron job's next run, a process's pid, a plain loop's rate.
 * Waits are on the page; the expected text is read from `getTree()` at the time.
 */
import { describe, expect, it, vi } from 'vitest';
import { kindFigure } from '../../src/core/service-kind.ts';
import type { TreeNode } from '../../src/core/tree-node.ts';
import {
  createCronService,
  createHttpService,
  createProcessService,
  createService,
  createSupervisor,
  getTree,
  silentLogger,
} from '../../src/index.ts';
import { reach } from '../helpers/supervisor.ts';
import { heldQueue } from './held-queue.ts';
import { row, until, usePageHarness } from './page-harness.ts';

const { start, inspect, openPage } = usePageHarness();

const childOf = (root: TreeNode, id: string): TreeNode => {
  const child = root.children?.find((c) => c.id === id);
  if (!child) throw new Error(`no child ${id} in the tree`);
  return child;
};

describe('inspector page: service kinds', () => {
  it('shows each service kind as a badge with its key figure, as getTree() gives them', async () => {
    const { worker: queue, release } = heldQueue('jobs');
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      logger: silentLogger,
      children: [
        queue,
        createHttpService({ id: 'api', port: 0, serve: (_q, r) => r.end('ok') }),
        createCronService({ id: 'nightly', cron: '0 0 3 * * *', timezone: 'UTC', run() {} }),
        createProcessService({ id: 'sleeper', command: 'sleep', args: ['60'] }),
        createService({ id: 'ticker', minPeriod: 20, iterate() {} }),
      ],
    });
    const actor = start(root);
    await reach(actor, 'running');
    for (let i = 0; i < 3; i++) queue.put(i);
    const page = await openPage((await inspect(actor)).url);
    try {
      const api = childOf(getTree(actor), 'api');
      // The process has its pid and the queue one task in flight, two queued.
      await vi.waitFor(
        () => {
          expect(childOf(getTree(actor), 'sleeper').details?.pid).toEqual(expect.any(Number));
          expect(kindFigure(childOf(getTree(actor), 'jobs'))?.figure).toBe(
            'queued 2 · in flight 1',
          );
        },
        { timeout: 10_000, interval: 20 },
      );
      for (const id of ['jobs', 'api', 'nightly', 'sleeper']) {
        // Read from getTree() once the queue has settled (one in flight, two queued).
        const node = childOf(getTree(actor), id);
        const expected = kindFigure(node)!;
        await page.waitForSelector(`${row(id)}[data-service-kind="${expected.kind}"]`);
        await until(
          page,
          `document.querySelector('${row(id)} .node-key')?.textContent === ${JSON.stringify(expected.figure)}`,
        );
        expect(await page.textContent(`${row(id)} .node-badge`)).toBe(expected.kind);
      }
      expect(kindFigure(api)!.figure).toMatch(/^http:\/\/127\.0\.0\.1:\d+ · 0 conn$/);
      expect(await page.textContent(`${row('nightly')} .node-key`)).toMatch(
        /^next \d{4}-.*T03:00:00Z$/,
      );
      expect(await page.textContent(`${row('sleeper')} .node-key`)).toMatch(/^pid \d+$/);
      // A plain loop: the badge says so, and its rate appears once measured.
      await page.waitForSelector(`${row('ticker')}[data-service-kind="loop"]`);
      await until(
        page,
        `/^[\\d.]+\\/s$/.test(document.querySelector('${row('ticker')} .node-key')?.textContent ?? '')`,
      );
      // Supervisors carry no service kind.
      expect(await page.getAttribute(row('root'), 'data-service-kind')).toBeNull();
    } finally {
      release();
    }
  }, 30_000);
});
