/**
 * The control server's Host check (issue 11, defect 15): a web page that rebinds its own DNS
 * name to 127.0.0.1 sends its own name as `Host` (and as `Origin`); only loopback names, the
 * bound `host` and `allowedHosts` are served, whatever the port.
 */
import { describe, expect, it } from 'vitest';
import { createControlServer, createService, XstateSupervisorError } from '../../src/index.ts';
import {
  closeServedAfterEach,
  expectError,
  http,
  nodeAt,
  rawStatus,
  serve,
} from './server-helpers.ts';

closeServedAfterEach();

function tree() {
  return {
    id: 'root',
    children: [
      createService({ id: 'db', minPeriod: 10, iterate() {}, actions: { ping: () => 'pong' } }),
    ],
  };
}

describe('DNS rebinding', () => {
  it("refuses a rebound page's requests, reads and commands alike, with the defaults", async () => {
    const s = await serve(tree());
    const evil = { host: `evil.example:${s.port}`, origin: `http://evil.example:${s.port}` };
    const read = await http(s.url, 'GET', '/tree', { headers: evil });
    expect(expectError(read, 403, 'FORBIDDEN_HOST')).toContain('evil.example');
    expectError(
      await http(s.url, 'POST', '/services/db/restart', { headers: evil }),
      403,
      'FORBIDDEN_HOST',
    );
    expectError(
      await http(s.url, 'POST', '/actions/db/ping', { headers: evil }),
      403,
      'FORBIDDEN_HOST',
    );
    expectError(await http(s.url, 'POST', '/shutdown', { headers: evil }), 403, 'FORBIDDEN_HOST');
    expect(nodeAt(s.actor, 'db')).toMatchObject({ state: 'running', generation: 0 });
  });

  it('refuses a foreign Host on the probes too, and before the token is looked at', async () => {
    const s = await serve(tree(), { token: 'secret' });
    const evil = { host: 'evil.example', authorization: 'Bearer secret' };
    for (const path of ['/healthz', '/readyz', '/metrics', '/tree', '/nope']) {
      expectError(await http(s.url, 'GET', path, { headers: evil }), 403, 'FORBIDDEN_HOST');
    }
  });

  it('refuses a request with no Host header at all, or an empty one', async () => {
    const s = await serve(tree());
    expect(await rawStatus(s.port, 'GET /tree HTTP/1.1\r\nhost: \r\n\r\n')).toBe(403);
    // HTTP/1.0 may leave Host out (Node itself answers 400 to HTTP/1.1 without one).
    expect(await rawStatus(s.port, 'GET /tree HTTP/1.0\r\n\r\n')).toBe(403);
    expect(await rawStatus(s.port, 'GET /tree HTTP/1.1\r\n\r\n')).toBe(400);
    const named = `GET /tree HTTP/1.0\r\nhost: 127.0.0.1:${s.port}\r\n\r\n`;
    expect(await rawStatus(s.port, named)).toBe(200);
  });
});

describe('the names it answers to', () => {
  it.each([
    ['127.0.0.1 with the port', (port: number) => `127.0.0.1:${port}`],
    ['127.0.0.1 without a port', () => '127.0.0.1'],
    ['localhost', (port: number) => `localhost:${port}`],
    ['LOCALHOST in capitals', (port: number) => `LOCALHOST:${port}`],
    ['IPv6 loopback in brackets', (port: number) => `[::1]:${port}`],
    ['IPv6 loopback without a port', () => '[::1]'],
    ['a loopback name with another port (an SSH tunnel)', () => 'localhost:8080'],
  ])('serves %s', async (_what, host) => {
    const s = await serve(tree());
    const answer = await http(s.url, 'GET', '/tree', { headers: { host: host(s.port) } });
    expect(answer.status).toBe(200);
  });

  it.each([
    ['another name', 'evil.example'],
    ['a loopback name as a subdomain', 'localhost.evil.example'],
    ['a name ending in a loopback name', 'evil-localhost'],
    ['an IPv6 address that is not loopback', '[fe80::1]:80'],
    ['a Host that is only a port', ':80'],
  ])('refuses %s', async (_what, host) => {
    const s = await serve(tree());
    expectError(await http(s.url, 'GET', '/tree', { headers: { host } }), 403, 'FORBIDDEN_HOST');
  });

  it('serves the names in allowedHosts (a proxy in front), any case, IPv6 with or without brackets', async () => {
    const s = await serve(tree(), { allowedHosts: ['Control.Internal', '[fd00::5]', 'fd00::6'] });
    for (const host of ['control.internal', 'CONTROL.internal:443', '[fd00::5]:80', '[FD00::6]']) {
      const answer = await http(s.url, 'GET', '/tree', { headers: { host } });
      expect({ host, status: answer.status }).toEqual({ host, status: 200 });
    }
    expectError(
      await http(s.url, 'GET', '/tree', { headers: { host: 'evil.example' } }),
      403,
      'FORBIDDEN_HOST',
    );
  });

  it("accepts '*' in allowedHosts as any Host (the check turned off on purpose)", async () => {
    const s = await serve(tree(), { allowedHosts: ['*'] });
    const answer = await http(s.url, 'GET', '/tree', { headers: { host: 'anything.example' } });
    expect(answer.status).toBe(200);
  });

  it('serves any Host when bound to every interface (the names it is reached by are unknown)', async () => {
    const s = await serve(tree(), { host: '0.0.0.0', token: 't' });
    const answer = await http(s.url, 'GET', '/healthz', { headers: { host: '10.1.2.3:9464' } });
    expect(answer.status).toBe(200);
  });

  it('still checks Origin against Host once the Host is allowed (CSRF)', async () => {
    const s = await serve(tree(), { allowedHosts: ['control.internal'] });
    const headers = { host: 'control.internal', origin: 'http://evil.example' };
    expectError(await http(s.url, 'GET', '/tree', { headers }), 403, 'FORBIDDEN_ORIGIN');
    const own = { host: 'control.internal', origin: 'http://control.internal' };
    expect((await http(s.url, 'GET', '/tree', { headers: own })).status).toBe(200);
  });

  it('rejects allowedHosts that is not an array of non-empty names, at creation', async () => {
    const s = await serve(tree());
    for (const allowedHosts of ['localhost', [''], [1], null]) {
      const options = { allowedHosts } as unknown as { allowedHosts: string[] };
      const created = createControlServer(s.actor, options);
      await expect(created).rejects.toBeInstanceOf(XstateSupervisorError);
      await expect(created).rejects.toMatchObject({
        code: 'CONTROL_OPTION_INVALID',
        message: expect.stringContaining('`allowedHosts`'),
      });
    }
  });
});
