/**
 * `run(root, { inspector })` (SPEC §6): the inspector starts once the tree runs, `handle.ready`
 * gives its URL, its buttons reach the control API when that is on, and it ends with the run.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createService, createSupervisor, run } from '../../src/index.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { connectFeed } from '../helpers/inspector-feed.ts';

function root() {
  return createSupervisor({
    id: 'app',
    children: [createService({ id: 'worker', minPeriod: 10, iterate() {} })],
  });
}

describe('run() with the inspector', () => {
  it('starts the inspector with the tree, wired to the control API, and closes it at the end', async () => {
    const handle = run(root(), {
      exit: false,
      signals: [],
      logger: createCapturingLogger(),
      control: { port: 0, token: 'tok' },
      inspector: { port: 0, title: 'my app' },
    });
    await handle.ready;
    const url = handle.inspector!.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const feed = await connectFeed(url);
    expect(feed.snapshot()).toMatchObject({
      title: 'my app',
      control: { enabled: true, tokenRequired: true },
    });
    expect(feed.node('worker')).toMatchObject({ state: 'running', controllable: true });

    const res = await fetch(`${url}control/services/worker/restart`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok' },
    });
    expect(res.status).toBe(200);
    await feed.until(() => feed.node('worker')?.generation === 1, 'generation 1');

    await handle.stop();
    expect((await handle.done).exitCode).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
    await feed.close();
  });

  it('ends the run with exit code 1, saying why, when the inspector port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const { port } = taken.address() as AddressInfo;
    const logger = createCapturingLogger();
    try {
      const handle = run(root(), { exit: false, signals: [], logger, inspector: { port } });
      await expect(handle.ready).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(await handle.done).toMatchObject({ exitCode: 1, reason: 'failed' });
      expect(logger.find('the inspector could not start')).toHaveLength(1);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('rejects a bad inspector option before anything starts', () => {
    expect(() =>
      run(root(), { exit: false, inspector: { port: -1 }, logger: createCapturingLogger() }),
    ).toThrow(/run\(\) option `inspector`: expected `port` to be an integer/);
  });
});
