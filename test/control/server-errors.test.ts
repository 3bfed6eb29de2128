/**
 * Errors of the control server (SPEC §7): JSON `{ error: { code, message } }` everywhere, 400
 * bad JSON, 404 unknown path, 405 wrong method with `Allow`, 413 body over 1 MiB.
 */
import { describe, expect, it } from 'vitest';
import { createService } from '../../src/index.ts';
import {
  closeServedAfterEach,
  expectError,
  get,
  http,
  nodeAt,
  post,
  serve,
} from './server-helpers.ts';

closeServedAfterEach();

const MiB = 1024 * 1024;

function tree() {
  return {
    id: 'root',
    children: [
      createService({
        id: 'a',
        minPeriod: 10,
        iterate() {},
        actions: { size: (data) => (typeof data === 'string' ? data.length : null) },
      }),
    ],
  };
}

describe('400 bad request', () => {
  it('answers 400 BAD_JSON for a body that is not JSON', async () => {
    const s = await serve(tree());
    for (const body of ['{nope', '{"a":1', "{'a':1}", 'undefined']) {
      const answer = await http(s.url, 'POST', '/actions/a/size', { body });
      expectError(answer, 400, 'BAD_JSON');
    }
  });

  it('answers 400 BAD_PATH for a malformed escape in the path', async () => {
    const s = await serve(tree());
    expectError(await post(s.url, '/services/%E0%A4%A/restart'), 400, 'BAD_PATH');
    expectError(await get(s.url, '/tree%'), 400, 'BAD_PATH');
  });

  it('answers 400 BAD_PATH for a target that is not a URL, even without a token, and logs no error', async () => {
    const s = await serve(tree(), { token: 'secret' });
    expectError(await get(s.url, '//['), 400, 'BAD_PATH');
    expect(s.logger.at('error')).toEqual([]);
  });
});

describe('404 not found', () => {
  it('answers 404 NOT_FOUND for an unknown path', async () => {
    const s = await serve(tree());
    for (const path of ['/', '/nope', '/tree/a', '/healthz/deep', '/service/a/restart']) {
      expectError(await get(s.url, path), 404, 'NOT_FOUND');
    }
    expectError(await post(s.url, '/nope'), 404, 'NOT_FOUND');
  });
});

describe('405 method not allowed', () => {
  it('answers 405 with an Allow header naming the method to use', async () => {
    const s = await serve(tree());
    const cases: [method: string, path: string, allow: string][] = [
      ['POST', '/tree', 'GET'],
      ['PUT', '/healthz', 'GET'],
      ['DELETE', '/readyz', 'GET'],
      ['POST', '/metrics', 'GET'],
      ['GET', '/services/a/restart', 'POST'],
      ['PUT', '/services/a/stop', 'POST'],
      ['GET', '/actions/a/size', 'POST'],
      ['GET', '/shutdown', 'POST'],
      ['HEAD', '/services/a/restart', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const answer = await http(s.url, method, path);
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 405 });
      expect(answer.headers.allow).toBe(allow);
      if (method !== 'HEAD') expectError(answer, 405, 'METHOD_NOT_ALLOWED');
    }
    // A refused GET on a command did not run it.
    expect(nodeAt(s.actor, 'a')).toMatchObject({ state: 'running', generation: 0 });
  });
});

describe('413 body too large', () => {
  it('answers 413 for a declared body over 1 MiB', async () => {
    const s = await serve(tree());
    const body = JSON.stringify('x'.repeat(MiB));
    expectError(await http(s.url, 'POST', '/actions/a/size', { body }), 413, 'BODY_TOO_LARGE');
  });

  it('answers 413 for a chunked body that grows over 1 MiB, then keeps serving', async () => {
    const s = await serve(tree());
    const body = JSON.stringify('x'.repeat(4 * MiB));
    const answer = await http(s.url, 'POST', '/actions/a/size', { body, chunked: true });
    expectError(answer, 413, 'BODY_TOO_LARGE');
    expect((await get(s.url, '/healthz')).status).toBe(200);
  });

  it('accepts a body of exactly 1 MiB', async () => {
    const s = await serve(tree());
    const body = JSON.stringify('x'.repeat(MiB - 2));
    expect(Buffer.byteLength(body)).toBe(MiB);
    const answer = await http(s.url, 'POST', '/actions/a/size', { body });
    expect(answer.status).toBe(200);
    expect(answer.json()).toBe(MiB - 2);
  });
});

describe('the error shape', () => {
  it('is { error: { code, message } } in JSON for every error status', async () => {
    const s = await serve(tree());
    expectError(await http(s.url, 'POST', '/actions/a/size', { body: '{' }), 400, 'BAD_JSON');
    expectError(await get(s.url, '/nope'), 404, 'NOT_FOUND');
    expectError(await get(s.url, '/services/a/stop'), 405, 'METHOD_NOT_ALLOWED');
    expectError(await post(s.url, '/services/a/start'), 409, 'ALREADY_RUNNING');
    const big = JSON.stringify('x'.repeat(MiB + 1));
    expectError(await http(s.url, 'POST', '/actions/a/size', { body: big }), 413, 'BODY_TOO_LARGE');
  });
});
