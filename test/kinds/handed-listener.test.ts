import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type AnyActorRef, createActor } from 'xstate';
import { createHttpService, createTcpService, getTree, shutdown } from '../../src/index.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { HANG_GUARD } from '../helpers/real-time.ts';
import { exchange, reachState } from './servers-helpers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { server, port: (server.address() as { port: number }).port };
}

const echoOn = (options: { fd?: number; listener?: Server }) =>
  createTcpService({
    id: 'echo',
    ...options,
    logger: createCapturingLogger(),
    handle(socket) {
      socket.once('data', (b: Buffer) => socket.end(`echo:${b}`));
    },
  });

describe('a listening socket handed over', () => {
  it('serves on a net.Server bound beforehand, and keeps it open across a restart', async () => {
    const { server, port } = await listening();
    const actor: AnyActorRef = createActor(echoOn({ listener: server })).start();
    cleanups.push(() => shutdown(actor));
    await reachState(actor, 'running');
    expect(getTree(actor).details).toMatchObject({ port, host: '127.0.0.1', listening: true });
    expect((await exchange(connect(port, '127.0.0.1'), 'a')).data).toBe('echo:a');
    actor.send({ type: 'service.stop' });
    await reachState(actor, 'stopped');
    expect(server.listening).toBe(true);
    actor.send({ type: 'service.start' });
    await reachState(actor, 'running');
    expect((await exchange(connect(port, '127.0.0.1'), 'b')).data).toBe('echo:b');
  });

  it('serves HTTP on a net.Server bound beforehand', async () => {
    const { server, port } = await listening();
    const actor = createActor(
      createHttpService({
        id: 'api',
        listener: server,
        logger: createCapturingLogger(),
        serve: (_q, r) => r.end('ok'),
      }),
    ).start();
    cleanups.push(() => shutdown(actor));
    await reachState(actor, 'running');
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect([res.status, await res.text()]).toEqual([200, 'ok']);
  });

  it('serves on fd 3 in a child process (socket activation), across a restart', async () => {
    const { server, port } = await listening();
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures/fd-server.ts')],
      { stdio: ['pipe', 'pipe', 'pipe', fd] },
    ) as unknown as ChildProcessByStdio<Writable, Readable, Readable>;
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    // The child holds its own copy: the parent's can go, as systemd's stays with systemd.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const readyCount = async (n: number) => {
      const until = Date.now() + HANG_GUARD * 4;
      while ((out.match(/ready/g) ?? []).length < n) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`child: ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await readyCount(1);
    expect((await exchange(connect(port, '127.0.0.1'), 'x')).data).toBe('echo:x');
    child.stdin.write('restart\n');
    await readyCount(2);
    expect((await exchange(connect(port, '127.0.0.1'), 'y')).data).toBe('echo:y');
    child.stdin.write('exit\n');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
  });

  it('refuses `fd` with `port`, a negative fd, and a listener that is not a server', () => {
    const handle = () => {};
    expect(() => createTcpService({ id: 't', fd: 3, port: 80, handle })).toThrow(
      expect.objectContaining({ option: 'fd', received: 3 }),
    );
    expect(() => createTcpService({ id: 't', fd: -1, handle })).toThrow(
      expect.objectContaining({ option: 'fd', received: -1 }),
    );
    expect(() => createTcpService({ id: 't', listener: {} as Server, handle })).toThrow(
      expect.objectContaining({ option: 'listener', expected: 'a net.Server, already listening' }),
    );
  });

  it('fails the start with a ServerListenError when the listener handed over is not listening', async () => {
    const actor = createActor(echoOn({ listener: createServer() })).start();
    cleanups.push(() => shutdown(actor));
    await reachState(actor, 'failed');
    expect(getTree(actor).lastError?.message).toContain(
      'is not listening; call listen() on it first',
    );
  });
});
