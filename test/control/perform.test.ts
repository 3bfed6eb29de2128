/**
 * The control API client: perform() and controlRequest(), against a fake control server
 * (test/helpers/fake-control-server.ts) that answers the way SPEC §7 says.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controlRequest } from '../../src/control/client.ts';
import { perform } from '../../src/control/perform.ts';
import { PerformError } from '../../src/control/perform-error.ts';
import { XstateSupervisorError } from '../../src/core/errors.ts';
import {
  closedPortUrl,
  type FakeControlServer,
  startFakeControlServer,
} from '../helpers/fake-control-server.ts';

const TOKEN = 's3cret-token';

let fake: FakeControlServer;

beforeEach(async () => {
  fake = await startFakeControlServer({ token: TOKEN });
});

afterEach(async () => {
  await fake.close();
});

async function rejection(promise: Promise<unknown>): Promise<PerformError> {
  const error = await promise.then(
    () => expect.unreachable('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PerformError);
  return error as PerformError;
}

describe('perform', () => {
  it('resolves to the action result, sending the data as JSON with the bearer token', async () => {
    const result = await perform(
      fake.url,
      'workers/poller',
      'echo',
      { hello: 'world' },
      {
        token: TOKEN,
      },
    );
    expect(result).toEqual({ received: { hello: 'world' } });
    const [request] = fake.requests;
    expect(request).toMatchObject({
      method: 'POST',
      url: '/actions/workers/poller/echo',
      body: '{"hello":"world"}',
    });
    expect(request!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request!.headers['content-type']).toBe('application/json');
  });

  it('resolves to null when the action returned nothing', async () => {
    await expect(perform(fake.url, 'workers/poller', 'nothing', 1, { token: TOKEN })).resolves.toBe(
      null,
    );
  });

  it('sends null as the body when no data is given', async () => {
    await perform(fake.url, 'workers/poller', 'echo', undefined, { token: TOKEN });
    expect(fake.requests[0]!.body).toBe('null');
  });

  it('URL-encodes each id and the action name on its own, keeping / between ids', async () => {
    const error = await rejection(
      perform(fake.url, 'a.b/c-d_e', 'say hi?', null, { token: TOKEN }),
    );
    expect(fake.requests[0]!.url).toBe('/actions/a.b/c-d_e/say%20hi%3F');
    expect(error.code).toBe('UNKNOWN_CHILD');
  });

  it('appends the route to a base URL with a trailing slash or a path prefix', async () => {
    await perform(`${fake.url}/`, 'workers/poller', 'nothing', null, { token: TOKEN });
    await rejection(
      perform(`${fake.url}/ops`, 'workers/poller', 'nothing', null, { token: TOKEN }),
    );
    expect(fake.requests.map((r) => r.url)).toEqual([
      '/actions/workers/poller/nothing',
      '/ops/actions/workers/poller/nothing',
    ]);
  });

  it('rejects with the status and the server code for an unknown action (404)', async () => {
    const error = await rejection(
      perform(fake.url, 'workers/poller', 'nope', null, { token: TOKEN }),
    );
    expect(error).toMatchObject({
      name: 'PerformError',
      status: 404,
      code: 'UNKNOWN_ACTION',
      url: `${fake.url}/actions/workers/poller/nope`,
    });
    expect(error.message).toContain('"nope"');
    expect(error.message).toContain('"workers/poller"');
    expect(error.message).toContain(fake.url);
    expect(error.message).toContain('has no action "nope"');
    expect(error).toBeInstanceOf(XstateSupervisorError);
  });

  it('rejects with 409 and the server code when the service cannot run the action now', async () => {
    const error = await rejection(perform(fake.url, 'db', 'echo', null, { token: TOKEN }));
    expect(error).toMatchObject({ status: 409, code: 'NOT_RUNNING' });
  });

  it('rejects with 401 UNAUTHORIZED without the token or with a wrong one', async () => {
    const missing = await rejection(perform(fake.url, 'workers/poller', 'echo'));
    const wrong = await rejection(
      perform(fake.url, 'workers/poller', 'echo', null, { token: 'wrong' }),
    );
    expect(missing).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(wrong).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('rejects with 500 INTERNAL when the action failed unexpectedly', async () => {
    const error = await rejection(
      perform(fake.url, 'workers/poller', 'boom', null, { token: TOKEN }),
    );
    expect(error).toMatchObject({ status: 500, code: 'INTERNAL' });
  });

  it("passes an ActionError's own status and code through", async () => {
    const error = await rejection(
      perform(fake.url, 'workers/poller', 'teapot', null, { token: TOKEN }),
    );
    expect(error).toMatchObject({ status: 418, code: 'TEAPOT' });
    expect(error.message).toContain('I am a teapot.');
  });

  it('rejects with TIMEOUT and status 0 when the server never answers', async () => {
    fake.hang.add('POST /actions/workers/poller/echo');
    const error = await rejection(
      perform(fake.url, 'workers/poller', 'echo', null, { token: TOKEN, timeout: 100 }),
    );
    expect(error).toMatchObject({ status: 0, code: 'TIMEOUT' });
    expect(error.message).toContain('within 100 ms');
  });

  it('rejects with TIMEOUT when the headers come but the body never ends', async () => {
    const error = await rejection(
      perform(fake.url, 'workers/poller', 'stall', null, { token: TOKEN, timeout: 100 }),
    );
    expect(error).toMatchObject({ status: 0, code: 'TIMEOUT' });
  });

  it('rejects with NETWORK and status 0 when nothing listens on the port', async () => {
    const url = await closedPortUrl();
    const error = await rejection(perform(url, 'workers/poller', 'echo', null, { token: TOKEN }));
    expect(error).toMatchObject({ status: 0, code: 'NETWORK' });
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('rejects with BAD_RESPONSE and the status when the answer is not JSON', async () => {
    const text = await rejection(
      perform(fake.url, 'workers/poller', 'text', null, { token: TOKEN }),
    );
    expect(text).toMatchObject({ status: 200, code: 'BAD_RESPONSE' });
    expect(text.message).toContain('"ok"');
    const html = await rejection(
      perform(fake.url, 'workers/poller', 'proxy-error', null, { token: TOKEN }),
    );
    expect(html).toMatchObject({ status: 502, code: 'BAD_RESPONSE' });
  });

  it("rejects with ABORTED when the caller's signal aborts, before or during the request", async () => {
    const before = await rejection(
      perform(fake.url, 'workers/poller', 'echo', null, { signal: AbortSignal.abort() }),
    );
    expect(before).toMatchObject({ status: 0, code: 'ABORTED' });

    fake.hang.add('POST /actions/workers/poller/echo');
    const controller = new AbortController();
    const during = perform(fake.url, 'workers/poller', 'echo', null, {
      token: TOKEN,
      signal: controller.signal,
    });
    await fake.nextRequest();
    controller.abort();
    expect(await rejection(during)).toMatchObject({ status: 0, code: 'ABORTED' });
  });

  it('rejects with a TypeError naming the argument, and sends nothing, when an argument is wrong', async () => {
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => perform('not a url', 'a', 'b'), /`url`/],
      [() => perform('ftp://127.0.0.1/', 'a', 'b'), /`url`/],
      [() => perform(fake.url, '', 'b'), /`path`/],
      [() => perform(fake.url, 'workers//poller', 'b'), /`path`/],
      [() => perform(fake.url, '../tree', 'b'), /`path`/],
      [() => perform(fake.url, 'a', ''), /`action`/],
      [() => perform(fake.url, 'a', '..'), /`action`/],
      [() => perform(fake.url, 'a', 'b', 10n), /`data`/],
      [() => perform(fake.url, 'a', 'b', null, { timeout: 0 }), /`timeout`/],
      [() => perform(fake.url, 'a', 'b', null, { timeout: 1.5 }), /`timeout`/],
      [() => perform(fake.url, 'a', 'b', null, { token: '' }), /`token`/],
      [() => perform(fake.url, 'a', 'b', null, { token: 'x\r\nHost: evil' }), /`token`/],
    ];
    for (const [call, pattern] of cases) {
      await expect(call()).rejects.toThrow(TypeError);
      await expect(call()).rejects.toThrow(pattern);
    }
    expect(fake.requests).toEqual([]);
  });
});

describe('controlRequest', () => {
  it('resolves error answers with their status and body instead of rejecting', async () => {
    const response = await controlRequest(fake.url, 'POST', '/services/db/stop', { token: TOKEN });
    expect(response).toEqual({
      status: 409,
      url: `${fake.url}/services/db/stop`,
      body: {
        error: {
          code: 'ALREADY_STOPPED',
          message: 'Cannot stop child "db" of "root": it is stopped.',
        },
      },
    });
  });

  it('reads a text answer with responseType text', async () => {
    const response = await controlRequest(fake.url, 'GET', '/metrics', { responseType: 'text' });
    expect(response.status).toBe(200);
    expect(response.body).toContain('xstate_supervisor_restarts_total');
  });

  it('never lets the route change the host of the base URL', async () => {
    await controlRequest(fake.url, 'GET', '//evil.example/tree', { token: TOKEN });
    expect(fake.requests[0]!.url).toBe('/evil.example/tree');
  });

  it('rejects with TIMEOUT, naming the method and URL, when the server never answers', async () => {
    fake.hang.add('GET /tree');
    const error = await rejection(
      controlRequest(fake.url, 'GET', '/tree', { token: TOKEN, timeout: 100 }),
    );
    expect(error).toMatchObject({ status: 0, code: 'TIMEOUT' });
    expect(error.message).toContain(`GET ${fake.url}/tree`);
  });

  it('rejects with a TypeError for a method or route outside the API', async () => {
    // @ts-expect-error only GET and POST are part of the API
    await expect(controlRequest(fake.url, 'DELETE', '/tree')).rejects.toThrow(/`method`/);
    await expect(controlRequest(fake.url, 'GET', 'tree')).rejects.toThrow(/`route`/);
    expect(fake.requests).toEqual([]);
  });
});
