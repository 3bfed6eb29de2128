/**
 * The inspector's cluster panel, in Chromium, over a real Redis registry: the replicas the
 * inspected one's cluster lists, each opened for its children and singletons, and the link to
 * a replica's own inspector page; no panel when the app joined no cluster.
 */
import { describe, expect, it } from 'vitest';
import { getTree } from '../../src/actors/tree.ts';
import { joinCluster } from '../../src/durable/cluster.ts';
import { redisRegistry } from '../../src/durable/redis/cluster.ts';
import { createService, createSupervisor, silentLogger } from '../../src/index.ts';
import { dropRedisPrefix, freshPrefix, redisClient } from '../fixtures/cluster/harness.ts';
import { reach } from '../helpers/supervisor.ts';

/** Polls `test` every 20 ms, for 10 s at most (a hang guard). */
async function until2(test: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

import { row, until, usePageHarness } from './page-harness.ts';

const { cleanups, start, inspect, control, openPage } = usePageHarness();

const PANEL = '[data-testid="cluster"]';

/** A replica's tree: a root with two services. */
function replicaTree(id: string) {
  return createSupervisor({
    id,
    logger: silentLogger,
    children: [
      createService({ id: 'api', minPeriod: 50, iterate() {} }),
      createService({ id: 'mailer', minPeriod: 50, iterate() {} }),
    ],
  });
}

describe('inspector page: cluster panel', () => {
  it('lists the replicas of the cluster, opens one for its children, and links to its own inspector', async () => {
    const prefix = freshPrefix();
    const registry = redisRegistry({ prefix });
    cleanups.push(async () => {
      await registry.close();
      await dropRedisPrefix(await redisClient(), prefix);
    });
    const a = start(replicaTree('app-a'));
    const b = start(replicaTree('app-b'));
    await reach(a, 'running');
    await reach(b, 'running');
    // One of B's services stopped: its record shows it so.
    b.send({ type: 'child.stop', id: 'mailer' });
    await until2(() => getTree(b).children?.[1]?.state === 'stopped');
    const inspectorB = await inspect(b);
    const memberA = await joinCluster(a, { registry, replicaId: 'replica-a', heartbeat: 200 });
    const memberB = await joinCluster(b, {
      registry,
      replicaId: 'replica-b',
      heartbeat: 200,
      inspector: inspectorB.url,
    });
    cleanups.push(
      () => memberA.leave(),
      () => memberB.leave(),
    );
    const controlA = await control(a);
    const page = await openPage((await inspect(a, { control: { url: controlA.url } })).url);

    await until(page, `document.querySelector('${PANEL}')?.dataset.count === '2'`);
    expect(await page.getAttribute(PANEL, 'data-self')).toBe('replica-a');
    expect(await page.isVisible(PANEL)).toBe(true);
    const replicas = await page.$$eval(`${PANEL} li.replica`, (lis) =>
      lis.map((li) => [li.getAttribute('data-replica'), li.getAttribute('data-state')]),
    );
    expect(replicas).toEqual([
      ['replica-a', 'running'],
      ['replica-b', 'running'],
    ]);

    // Opened: its children's states, and the link to its inspector.
    const b$ = `${PANEL} li[data-replica="replica-b"]`;
    await page.click(`${b$} [data-testid="replica-toggle"]`);
    await page.waitForSelector(`${b$} [data-testid="replica-children"]`);
    expect(await page.getAttribute(`${b$} [data-testid="replica-toggle"]`, 'aria-expanded')).toBe(
      'true',
    );
    const children = await page.$$eval(`${b$} [data-testid="replica-children"] li`, (lis) =>
      lis.map((li) => [li.getAttribute('data-child'), li.getAttribute('data-state')]),
    );
    expect(children).toEqual([
      ['api', 'running'],
      ['mailer', 'stopped'],
    ]);
    // Replica A gave no URL: opened, it says so instead of a link.
    await page.click(`${PANEL} li[data-replica="replica-a"] [data-testid="replica-toggle"]`);
    await page.waitForSelector(
      `${PANEL} li[data-replica="replica-a"] [data-testid="replica-children"]`,
    );
    expect(
      await page.$(`${PANEL} li[data-replica="replica-a"] a[data-testid="replica-open"]`),
    ).toBe(null);
    // It stays open across refreshes (the list is read again every 2 s).
    await page.waitForResponse((r) => r.url().endsWith('/cluster'));
    await page.waitForSelector(`${b$} [data-testid="replica-children"]`);

    // The link opens replica B's own inspector, which shows B's tree.
    const href = await page.getAttribute(`${b$} a[data-testid="replica-open"]`, 'href');
    expect(href).toBe(inspectorB.url);
    await page.goto(href!);
    await page.waitForSelector(row('app-b'));
    expect(await page.$(row('app-a'))).toBe(null);
  }, 60_000);

  it('shows no panel when the app joined no cluster', async () => {
    const a = start(replicaTree('alone'));
    await reach(a, 'running');
    const controlA = await control(a);
    const inspector = await inspect(a, { control: { url: controlA.url } });
    const page = await openPage('about:blank');
    const answered = page.waitForResponse((r) => r.url().endsWith('/cluster'));
    await page.goto(inspector.url);
    expect((await answered).status()).toBe(404);
    await page.waitForSelector(row('alone'));
    expect(await page.isHidden(PANEL)).toBe(true);
  }, 60_000);
});
