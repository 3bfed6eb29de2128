/**
 * The control server's own life (SPEC §7): listening on 127.0.0.1 with port 0, `POST /shutdown`
 * (202, then the tree stops), `close()` freeing the port, and its options.
 */
import { createServer, request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import {
  createControlServer,
  createService,
  createSupervisor,
  getTree,
  silentLogger,
  XstateSupervisorError,
} from '../../src/index.ts';
import { closeServedAfterEach, eventually, get, http, post, serve } from './server-helpers.ts';

closeServedAfterEach();

function tree(onStop?: () => void) {
  return {
    id: 'root',
    children: [
      createService({ id: 'a', minPeriod: 10, iterate() {}, ...(onStop ? { onStop } : {}) }),
    ],
  };
}

/** Resolves with the error code of a connection to `port`, or 'connected'. */
function connect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      resolve('connected');
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

/** Whether a fresh server can listen on `port` (it is free). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('listening', () => {
  it('binds 127.0.0.1 on a free port with port 0, and logs its URL', async () => {
    const s = await serve(tree());
    expect(s.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.port).toBeGreaterThan(0);
    expect(s.logger.find('control API listening')[0]?.fields).toMatchObject({
      url: s.server.url,
      component: 'control',
    });
  });

  it('rejects when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    const actor = createActor(createSupervisor({ ...tree(), logger: silentLogger })).start();
    try {
      await expect(createControlServer(actor, { port, logger: silentLogger })).rejects.toThrow(
        expect.objectContaining({ code: 'EADDRINUSE' }),
      );
    } finally {
      actor.stop();
      await new Promise((r) => taken.close(r));
    }
  });

  it('rejects an invalid port or an empty token at once', async () => {
    const actor = createActor(createSupervisor({ ...tree(), logger: silentLogger }));
    await expect(createControlServer(actor, { port: -1 })).rejects.toBeInstanceOf(
      XstateSupervisorError,
    );
    await expect(createControlServer(actor, { port: 70_000 })).rejects.toThrow(/`port`.*70000/);
    await expect(createControlServer(actor, { token: '' })).rejects.toMatchObject({
      code: 'CONTROL_OPTION_INVALID',
    });
    // A typo must never turn the token off.
    await expect(createControlServer(actor, { tokn: 'secret' } as never)).rejects.toMatchObject({
      code: 'CONTROL_OPTION_UNKNOWN',
      message: expect.stringContaining('`tokn`'),
    });
  });
});

describe('POST /shutdown', () => {
  it('answers 202, then stops the tree gracefully', async () => {
    const onStop = vi.fn();
    const s = await serve(tree(onStop));
    const answer = await post(s.url, '/shutdown');
    expect(answer.status).toBe(202);
    expect(answer.json()).toEqual({ shuttingDown: true });
    await eventually(() => expect(getTree(s.actor).state).toBe('stopped'));
    expect(getTree(s.actor).children?.[0]?.state).toBe('stopped');
    expect(onStop).toHaveBeenCalledOnce();
    expect(s.logger.find('shutdown requested over the control API')).toHaveLength(1);
    // The server still answers probes: the tree is stopped, not failed.
    expect((await get(s.url, '/healthz')).status).toBe(200);
    expect((await get(s.url, '/readyz')).status).toBe(503);
  });

  it('calls onShutdown instead when given, after answering', async () => {
    const onShutdown = vi.fn();
    const s = await serve(tree(), { onShutdown });
    expect((await post(s.url, '/shutdown')).status).toBe(202);
    await eventually(() => expect(onShutdown).toHaveBeenCalledOnce());
    expect(getTree(s.actor).state).toBe('running');
  });

  it('logs a failing onShutdown, and keeps serving', async () => {
    const s = await serve(tree(), {
      onShutdown: () => Promise.reject(new Error('cannot stop')),
    });
    expect((await post(s.url, '/shutdown')).status).toBe(202);
    await eventually(() => expect(s.logger.find('shutdown failed')).toHaveLength(1));
    const err = s.logger.find('shutdown failed')[0]?.fields.err as Error | undefined;
    expect(err?.message).toBe('cannot stop');
    expect((await get(s.url, '/healthz')).status).toBe(200);
  });
});

describe('close()', () => {
  it('frees the port', async () => {
    const s = await serve(tree());
    expect(await connect(s.port)).toBe('connected');
    await s.server.close();
    expect(await connect(s.port)).toBe('ECONNREFUSED');
    expect(await canListen(s.port)).toBe(true);
  });

  it('does not wait for idle keep-alive connections, and can be called twice', async () => {
    const s = await serve(tree());
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      request(`${s.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
    await Promise.all([s.server.close(), s.server.close()]);
    expect(await canListen(s.port)).toBe(true);
    agent.destroy();
  });

  it('leaves the tree running', async () => {
    const s = await serve(tree());
    await s.server.close();
    expect(getTree(s.actor).state).toBe('running');
    await expect(http(s.url, 'GET', '/tree')).rejects.toThrow(/ECONNREFUSED/);
  });
});
