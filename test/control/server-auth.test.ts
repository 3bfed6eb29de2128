/**
 * The control server's token (SPEC §7): every request but the probes needs
 * `Authorization: Bearer <token>`, checked before the path is resolved; a non-loopback bind
 * without a token logs a warning.
 */
import { describe, expect, it } from 'vitest';
import { createService, getTree } from '../../src/index.ts';
import {
  bearer,
  closeServedAfterEach,
  expectError,
  http,
  nodeAt,
  serve,
} from './server-helpers.ts';

closeServedAfterEach();

const TOKEN = 's3cr3t-token';

function tree() {
  return {
    id: 'root',
    children: [
      createService({ id: 'a', minPeriod: 10, iterate() {}, actions: { ping: () => 'pong' } }),
    ],
  };
}

/** Every guarded request, known paths and unknown ones alike. */
const GUARDED: [method: string, path: string][] = [
  ['GET', '/tree'],
  ['POST', '/services/a/restart'],
  ['POST', '/services/a/stop'],
  ['POST', '/actions/a/ping'],
  ['POST', '/shutdown'],
  ['GET', '/nope'],
  ['GET', '/'],
  ['POST', '/services/nope/restart'],
  ['POST', '/actions/a/nope'],
  ['POST', '/services/a/explode'],
  ['GET', '/services/a/restart'],
  ['GET', '/%E0%A4%A'],
  ['GET', '/healthz/x'],
];

const WRONG: [what: string, headers: Record<string, string>][] = [
  ['no Authorization header', {}],
  ['a wrong token', bearer('wrong')],
  ['a token one character short', bearer(TOKEN.slice(0, -1))],
  ['a longer token', bearer(`${TOKEN}x`)],
  ['the token without "Bearer "', { authorization: TOKEN }],
  ['another scheme', { authorization: `Basic ${TOKEN}` }],
  ['an empty header', { authorization: '' }],
];

describe('with a token', () => {
  it.each(WRONG)('answers 401 to every guarded request with %s', async (_what, headers) => {
    const s = await serve(tree(), { token: TOKEN });
    for (const [method, path] of GUARDED) {
      const answer = await http(s.url, method, path, { headers });
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 401 });
      expectError(answer, 401, 'UNAUTHORIZED');
      expect(answer.headers['www-authenticate']).toBe('Bearer');
    }
    // Nothing happened: no restart, no stop, no shutdown.
    expect(nodeAt(s.actor, 'a')).toMatchObject({ state: 'running', generation: 0 });
    expect(getTree(s.actor).state).toBe('running');
  });

  it('accepts the Bearer scheme in any case (RFC 9110), but only with the right token', async () => {
    const s = await serve(tree(), { token: TOKEN });
    expect(
      (await http(s.url, 'GET', '/tree', { headers: { authorization: `bearer ${TOKEN}` } })).status,
    ).toBe(200);
    expect(
      (await http(s.url, 'GET', '/tree', { headers: { authorization: `BEARER ${TOKEN}` } })).status,
    ).toBe(200);
    expectError(
      await http(s.url, 'GET', '/tree', { headers: { authorization: `bearer x${TOKEN}` } }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('checks the token before the path: an unknown path is 401, not 404', async () => {
    const s = await serve(tree(), { token: TOKEN });
    expectError(await http(s.url, 'GET', '/nope'), 401, 'UNAUTHORIZED');
    expectError(await http(s.url, 'GET', '/nope', { headers: bearer(TOKEN) }), 404, 'NOT_FOUND');
    expectError(await http(s.url, 'POST', '/services/nope/restart'), 401, 'UNAUTHORIZED');
    const withToken = await http(s.url, 'POST', '/services/nope/restart', {
      headers: bearer(TOKEN),
    });
    expectError(withToken, 404, 'UNKNOWN_CHILD');
  });

  it('serves the token holder', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const headers = bearer(TOKEN);
    const tree_ = await http(s.url, 'GET', '/tree', { headers });
    expect(tree_.status).toBe(200);
    expect(tree_.json()).toMatchObject({ id: 'root', state: 'running' });
    const restart = await http(s.url, 'POST', '/services/a/restart', { headers });
    expect(restart.json()).toMatchObject({ id: 'a', generation: 1 });
    expect((await http(s.url, 'POST', '/actions/a/ping', { headers })).json()).toBe('pong');
  });

  it("refuses a command from another site's web page (CSRF), even without a token", async () => {
    const s = await serve(tree());
    const evil = { origin: 'https://evil.example' };
    const refused = await http(s.url, 'POST', '/services/a/stop', { headers: evil });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'FORBIDDEN_ORIGIN' } });
    expect(nodeAt(s.actor, 'a').state).toBe('running');
    // Its own origin, and clients that send none (curl, perform()), are served.
    const own = { origin: s.url };
    expect((await http(s.url, 'GET', '/tree', { headers: own })).status).toBe(200);
    expect((await http(s.url, 'POST', '/services/a/restart')).status).toBe(200);
  });

  it('leaves /healthz, /readyz and /metrics open to probes without a token', async () => {
    const s = await serve(tree(), { token: TOKEN });
    expect((await http(s.url, 'GET', '/healthz')).status).toBe(200);
    expect((await http(s.url, 'GET', '/readyz')).status).toBe(200);
    const metrics = await http(s.url, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('xstate_supervisor_state');
    // Even with a wrong token.
    expect((await http(s.url, 'GET', '/healthz', { headers: bearer('wrong') })).status).toBe(200);
  });

  it('logs no warning when bound to every interface with a token', async () => {
    const s = await serve(tree(), { host: '0.0.0.0', token: TOKEN });
    expect(s.logger.at('warn')).toEqual([]);
    expect((await http(s.url, 'GET', '/tree', { headers: bearer(TOKEN) })).status).toBe(200);
  });
});

describe('without a token', () => {
  it('serves everyone on 127.0.0.1, with no warning', async () => {
    const s = await serve(tree());
    expect(s.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await http(s.url, 'GET', '/tree')).status).toBe(200);
    expect(s.logger.at('warn')).toEqual([]);
  });

  it('logs a warning when bound to a non-loopback address', async () => {
    const s = await serve(tree(), { host: '0.0.0.0' });
    const warnings = s.logger.at('warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/non-loopback.*without a token/);
    expect(warnings[0]?.fields).toMatchObject({ host: '0.0.0.0' });
    // Reachable through loopback all the same.
    expect((await http(s.url, 'GET', '/tree')).status).toBe(200);
  });
});
