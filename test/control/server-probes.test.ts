/**
 * What the probes tell a caller without the token (issue 11, defect 17): open `/readyz` and
 * `/metrics` name the children; `protectProbes` puts them behind the token and leaves only
 * `/healthz`, which names none.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { main } from '../../src/cli.ts';
import { createControlServer, createService, createSupervisor } from '../../src/index.ts';
import {
  bearer,
  closeServedAfterEach,
  expectError,
  get,
  http,
  post,
  serve,
} from './server-helpers.ts';

closeServedAfterEach();

const TOKEN = 'pr0bes';

function tree() {
  return {
    id: 'root',
    children: [
      createService({ id: 'db', minPeriod: 10, iterate() {} }),
      createSupervisor({
        id: 'billing',
        children: [createService({ id: 'invoices', minPeriod: 10, iterate() {} })],
      }),
    ],
  };
}

describe('without protectProbes', () => {
  it('leaves /readyz and /metrics open, and they name the children', async () => {
    const s = await serve(tree(), { token: TOKEN });
    expect((await post(s.url, '/services/db/stop', undefined, TOKEN)).status).toBe(200);
    const ready = await get(s.url, '/readyz');
    expect({ status: ready.status, body: ready.json() }).toEqual({
      status: 503,
      body: { ready: false, notRunning: ['db'] },
    });
    const metrics = await get(s.url, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('path="billing/invoices"');
  });
});

describe('with protectProbes', () => {
  it('answers 401 on /readyz and /metrics without the token', async () => {
    const s = await serve(tree(), { token: TOKEN, protectProbes: true });
    for (const headers of [{}, bearer('wrong')]) {
      for (const path of ['/readyz', '/metrics']) {
        const answer = await http(s.url, 'GET', path, { headers });
        expect(answer.text).not.toContain('db');
        expectError(answer, 401, 'UNAUTHORIZED');
        expect(answer.headers['www-authenticate']).toBe('Bearer');
      }
    }
  });

  it('serves /readyz and /metrics to the token holder', async () => {
    const s = await serve(tree(), { token: TOKEN, protectProbes: true });
    const ready = await get(s.url, '/readyz', TOKEN);
    expect({ status: ready.status, body: ready.json() }).toEqual({
      status: 200,
      body: { ready: true, notRunning: [] },
    });
    const metrics = await get(s.url, '/metrics', TOKEN);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('path="billing/invoices"');
  });

  it('leaves /healthz open, and it names no child', async () => {
    const s = await serve(tree(), { token: TOKEN, protectProbes: true });
    const health = await get(s.url, '/healthz');
    expect({ status: health.status, body: health.json() }).toEqual({
      status: 200,
      body: { ok: true, state: 'running' },
    });
  });

  it('still checks the token before the path on every other route', async () => {
    const s = await serve(tree(), { token: TOKEN, protectProbes: true });
    expectError(await get(s.url, '/tree'), 401, 'UNAUTHORIZED');
    expectError(await get(s.url, '/readyz/x'), 401, 'UNAUTHORIZED');
    expectError(await post(s.url, '/services/nope/stop'), 401, 'UNAUTHORIZED');
  });

  it('lets the CLI health command through with its token', async () => {
    const s = await serve(tree(), { token: TOKEN, protectProbes: true });
    let out = '';
    const code = await main(['health'], {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: () => {} },
      env: { XSTATE_SUPERVISOR_URL: s.url, XSTATE_SUPERVISOR_TOKEN: TOKEN },
    });
    expect({ code, out }).toEqual({
      code: 0,
      out: 'healthz  200  ok (root running)\nreadyz   200  ready\n',
    });
  });
});

describe('the protectProbes option', () => {
  it('is refused without a token, rather than leave the probes open', async () => {
    const s = await serve(tree());
    await expect(createControlServer(s.actor, { protectProbes: true })).rejects.toMatchObject({
      code: 'CONTROL_OPTION_INVALID',
      message: expect.stringMatching(/`protectProbes` to be used with a `token`.*got true/),
    });
  });

  it('is refused when it is not a boolean', async () => {
    const s = await serve(tree());
    const options = { token: TOKEN, protectProbes: 'yes' } as unknown as { token: string };
    await expect(createControlServer(s.actor, options)).rejects.toMatchObject({
      code: 'CONTROL_OPTION_INVALID',
      message: expect.stringContaining('expected `protectProbes` to be a boolean, got "yes"'),
    });
  });

  it('is refused when misspelt, as every unknown option is', async () => {
    const s = await serve(tree());
    const options = { token: TOKEN, protectProbe: true } as unknown as { token: string };
    await expect(createControlServer(s.actor, options)).rejects.toMatchObject({
      code: 'CONTROL_OPTION_UNKNOWN',
      message: expect.stringContaining('`protectProbe`'),
    });
  });
});

describe('Kubernetes probes', () => {
  it('answers /livez as /healthz, open even with protectProbes: liveness needs no secret', async () => {
    const s = await serve(tree(), { token: TOKEN, protectProbes: true });
    const live = await get(s.url, '/livez');
    expect(live.status).toBe(200);
    expect(live.json()).toEqual((await get(s.url, '/healthz')).json());
    expectError(await http(s.url, 'POST', '/livez'), 405, 'METHOD_NOT_ALLOWED');
  });

  it('turns /readyz red with shuttingDown while `draining` says so, and after POST /shutdown', async () => {
    let draining = false;
    const s = await serve(tree(), { draining: () => draining, onShutdown: () => {} });
    expect((await get(s.url, '/readyz')).status).toBe(200);
    draining = true;
    const red = await get(s.url, '/readyz');
    expect(red.status).toBe(503);
    expect(red.json()).toEqual({ ready: false, notRunning: [], shuttingDown: true });
    expect((await get(s.url, '/livez')).status).toBe(200);
    draining = false;
    expect((await get(s.url, '/readyz')).status).toBe(200);
    expect((await post(s.url, '/shutdown')).status).toBe(202);
    expect((await get(s.url, '/readyz')).json()).toMatchObject({ shuttingDown: true });
  });

  it('refuses a `draining` that is not a function', async () => {
    await expect(
      createControlServer(createActorOfTree(), { draining: true } as never),
    ).rejects.toMatchObject({ code: 'CONTROL_OPTION_INVALID' });
  });
});

function createActorOfTree() {
  return createActor(createSupervisor(tree()));
}
