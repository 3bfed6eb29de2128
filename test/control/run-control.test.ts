/**
 * `run(root, { control })` (SPEC §6): the control API starts once the tree runs, `handle.ready`
 * gives its URL, `POST /shutdown` ends the run as a signal would, and the server goes with it.
 */
import { createServer, request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createService,
  createSupervisor,
  getTree,
  type RunHandle,
  run,
  type TreeNode,
} from '../../src/index.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';
import { bearer, eventually, expectError, http, POLL } from './server-helpers.ts';

const TOKEN = 'run-token';

// A long minPeriod keeps `iterations` still once the first iteration ran (see `settled`).
const SLOW = 60_000;

function root(options: { broken?: () => boolean } = {}) {
  return createSupervisor({
    id: 'app',
    maxRestarts: 0,
    children: [
      createService({
        id: 'worker',
        minPeriod: options.broken ? 10 : SLOW,
        maxFailures: 0,
        iterate() {
          if (options.broken?.()) throw new Error('worker broke');
        },
      }),
      createSupervisor({
        id: 'nested',
        children: [createService({ id: 'leaf', minPeriod: SLOW, iterate() {} })],
      }),
    ],
  });
}

/** Waits until every service of the tree has run its first iteration. */
async function settled(handle: RunHandle): Promise<void> {
  const services = (n: TreeNode): TreeNode[] =>
    n.kind === 'service' ? [n] : (n.children ?? []).flatMap(services);
  await eventually(() => {
    for (const n of services(getTree(handle.actor))) expect(n.iterations).toBeGreaterThan(0);
  });
}

/** Resolves with the error code of a connection to `url`, or 'connected'. */
function connect(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { agent: false }, (res) => {
      res.resume();
      resolve('connected');
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

describe('run() with control', () => {
  let handle: RunHandle | undefined;
  let logger: CapturingLogger;
  let listeners: number;

  beforeEach(() => {
    logger = createCapturingLogger();
    listeners = process.listenerCount('SIGTERM');
  });
  afterEach(async () => {
    await handle?.stop();
    handle = undefined;
  });

  it('starts the control API once the tree runs; ready gives control.url', async () => {
    handle = run(root(), { control: { port: 0, token: TOKEN }, exit: false, logger });
    const ready = await handle.ready;
    expect(ready).toBe(handle);
    expect(getTree(handle.actor).state).toBe('running');
    const url = handle.control?.url ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(url).port)).toBeGreaterThan(0);
    expect(logger.find('control API listening')[0]?.fields).toMatchObject({ url });
    await settled(handle);
    const tree = await http(url, 'GET', '/tree', { headers: bearer(TOKEN) });
    expect(tree.status).toBe(200);
    expect(tree.json()).toEqual(getTree(handle.actor));
    expectError(await http(url, 'GET', '/tree'), 401, 'UNAUTHORIZED');
    const restart = await http(url, 'POST', '/services/nested/leaf/restart', {
      headers: bearer(TOKEN),
    });
    expect(restart.json()).toMatchObject({ id: 'leaf', generation: 1 });
  });

  it('logs the inspector and control URLs last, once everything is up, in the running line', async () => {
    handle = run(root(), { control: { port: 0 }, inspector: { port: 0 }, exit: false, logger });
    const { control, inspector } = await handle.ready;
    const last = logger.entries.at(-1);
    expect(last?.msg).toBe('running; press Ctrl+C to stop');
    expect(last?.fields).toMatchObject({
      root: 'app',
      control: control?.url,
      inspector: inspector?.url,
    });
    expect(logger.find('running; press Ctrl+C')).toHaveLength(1);
  });

  it('POST /shutdown answers 202 and ends the run: { exitCode: 0, reason: "request" }', async () => {
    handle = run(root(), { control: { port: 0, token: TOKEN }, exit: false, logger });
    await handle.ready;
    const url = handle.control?.url ?? '';
    expectError(await http(url, 'POST', '/shutdown'), 401, 'UNAUTHORIZED');
    const answer = await http(url, 'POST', '/shutdown', { headers: bearer(TOKEN) });
    expect(answer.status).toBe(202);
    await expect(handle.done).resolves.toEqual({ exitCode: 0, reason: 'request' });
    expect(getTree(handle.actor).state).toBe('stopped');
    expect(logger.find('shutdown complete')).toHaveLength(1);
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
    // The run closed its control server on the way out.
    await expect.poll(() => connect(url), POLL).toBe('ECONNREFUSED');
  });

  it('closes the control server when the run is stopped', async () => {
    handle = run(root(), { control: { port: 0 }, exit: false, logger });
    await handle.ready;
    const url = handle.control?.url ?? '';
    expect(await connect(url)).toBe('connected');
    await handle.stop();
    await expect(handle.done).resolves.toEqual({ exitCode: 0, reason: 'stopped' });
    await expect.poll(() => connect(url), POLL).toBe('ECONNREFUSED');
  });

  it('closes the control server when the root fails (exit code 1)', async () => {
    let broken = false;
    handle = run(root({ broken: () => broken }), { control: { port: 0 }, exit: false, logger });
    await handle.ready;
    const url = handle.control?.url ?? '';
    broken = true;
    const result = await handle.done;
    expect(result).toMatchObject({ exitCode: 1, reason: 'failed' });
    await expect.poll(() => connect(url), POLL).toBe('ECONNREFUSED');
  });

  it('rejects ready, shuts the tree down and ends with exit code 1 when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      handle = run(root(), { control: { port }, exit: false, logger });
      await expect(handle.ready).rejects.toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
      expect(await handle.done).toMatchObject({ exitCode: 1, reason: 'failed' });
      expect(getTree(handle.actor).state).toBe('stopped');
      expect(logger.find('the control API could not start')).toHaveLength(1);
      expect(logger.find('the root stopped on its own')).toEqual([]);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it('rejects a misspelt control option at once instead of running without auth', () => {
    expect(() =>
      run(root(), { control: { port: 0, tokn: 'x' } as never, exit: false, logger }),
    ).toThrow(
      expect.objectContaining({
        code: 'CONTROL_OPTION_UNKNOWN',
        message: expect.stringContaining('`tokn`'),
      }),
    );
  });

  it('has no control server without the option', async () => {
    handle = run(root(), { exit: false, logger });
    await handle.ready;
    expect(handle.control).toBeUndefined();
  });
});
