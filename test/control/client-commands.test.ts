/**
 * `createControlClient()`: every command of the control API as a typed method, against a real
 * tree behind a real server on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import {
  createControlClient,
  createService,
  createSupervisor,
  PerformError,
  supervise,
} from '../../src/index.ts';
import { closeServedAfterEach, eventually, serve } from './server-helpers.ts';

closeServedAfterEach();

const counter = setup({
  types: { context: {} as { pings: number }, events: {} as { type: 'ping' } },
}).createMachine({
  id: 'counter',
  context: { pings: 0 },
  initial: 'on',
  states: {
    on: { tags: ['ready'], on: { ping: { actions: ({ context }) => void context.pings++ } } },
  },
});

/** A service ticking every 10 ms, plus whatever `extra` adds. */
const ticking = (id: string, extra: Partial<Parameters<typeof createService>[0]> = {}) =>
  createService({ ...extra, id, minPeriod: 10, iterate() {} });

/** `a` (counts its starts, echoes), `nested/leaf`, and the supervised actor `counter`. */
function tree(calls: string[] = []) {
  const a = ticking('a', {
    onStart: (ctx) => void calls.push(`start a@${ctx.generation}`),
    actions: { echo: (data: unknown) => ({ echoed: data }) },
  });
  const nested = createSupervisor({ id: 'nested', children: [ticking('leaf')] });
  const children = [a, nested, supervise(counter, { id: 'counter', ready: 'ready' })];
  return { id: 'root', strategy: 'one-for-one' as const, children };
}

describe('createControlClient', () => {
  it('reads the tree and runs restart, stop, start, hard-reset and fail, each answering the node', async () => {
    const calls: string[] = [];
    const served = await serve(tree(calls), { token: 's3cret' });
    const client = createControlClient(served.url, { token: 's3cret' });

    const root = await client.tree();
    expect(root.children?.map((c) => c.id)).toEqual(['a', 'nested', 'counter']);

    expect(await client.restart('a')).toMatchObject({ id: 'a', state: 'running', generation: 1 });
    expect(await client.stop('nested/leaf')).toMatchObject({ id: 'leaf', state: 'stopped' });
    expect(await client.start('nested/leaf')).toMatchObject({ id: 'leaf', state: 'running' });
    const reset = await client.hardReset('a');
    expect(reset).toMatchObject({ id: 'a', state: 'running', generation: 2 });
    const failed = await client.fail('a');
    expect(failed.id).toBe('a');
    await eventually(async () => {
      expect((await client.tree()).children?.[0]).toMatchObject({
        state: 'running',
        generation: 3,
      });
    });
    expect(calls.at(-1)).toBe('start a@3');
  });

  it('sends an event to a supervised actor and calls a user action', async () => {
    const served = await serve(tree());
    const client = createControlClient<{ type: 'ping' }>(served.url);
    const node = await client.send('counter', { type: 'ping' });
    expect(node).toMatchObject({ id: 'counter', state: 'running' });
    expect(await client.perform('a', 'echo', { n: 1 })).toEqual({ echoed: { n: 1 } });
  });

  it('rejects with the server status and code: 409 for an impossible command, 404 for an unknown child, 401 without the token', async () => {
    const served = await serve(tree(), { token: 's3cret' });
    const client = createControlClient(served.url, { token: 's3cret' });
    await client.stop('a');
    await expect(client.stop('a')).rejects.toMatchObject({ name: 'PerformError', status: 409 });
    const unknown = await client.restart('nope').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(PerformError);
    expect(unknown).toMatchObject({ status: 404, code: 'UNKNOWN_CHILD' });
    expect((unknown as Error).message).toContain('Command restart on "nope"');
    const anonymous = createControlClient(served.url);
    await expect(anonymous.tree()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    // A call's own token wins over the client's.
    await expect(anonymous.tree({ token: 's3cret' })).resolves.toMatchObject({ id: 'root' });
  });

  it('reads readiness whether ready or not, and asks for a shutdown', async () => {
    const served = await serve(tree());
    const client = createControlClient(served.url);
    expect(await client.ready()).toEqual({ ready: true, notRunning: [] });
    await client.stop('a');
    expect(await client.ready()).toEqual({ ready: false, notRunning: ['a'] });
    await client.shutdown();
    expect(await client.ready()).toMatchObject({ ready: false, shuttingDown: true });
  });

  it('refuses a bad URL, token or timeout at once, and a bad path or event before any request', async () => {
    expect(() => createControlClient('ftp://127.0.0.1')).toThrow(TypeError);
    expect(() => createControlClient('http://127.0.0.1:1', { token: '' })).toThrow(/token/);
    expect(() => createControlClient('http://127.0.0.1:1', { timeout: -1 })).toThrow(/timeout/);
    // Port 1 answers nothing: a request would reject with NETWORK, not TypeError.
    const client = createControlClient('http://127.0.0.1:1');
    await expect(client.restart('')).rejects.toThrow(TypeError);
    await expect(client.send('x', { kind: 'ping' } as never)).rejects.toThrow(/string `type`/);
    await expect(client.tree()).rejects.toMatchObject({ status: 0, code: 'NETWORK' });
  });
});
