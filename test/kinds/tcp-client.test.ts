import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { type AnyActorRef, createActor } from 'xstate';
import { getTree, ServiceConfigError, shutdown } from '../../src/index.ts';
import { ClientConnectError, ClientStateError } from '../../src/kinds/clients/client-errors.ts';
import type { TcpClientServiceOptions } from '../../src/kinds/clients/client-options.ts';
import {
  createTcpClientService,
  type TcpClientMachine,
} from '../../src/kinds/clients/client-service.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { HANG_GUARD } from '../helpers/real-time.ts';
import { eventually, freePort, makeTestCertificate, reachState } from './servers-helpers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

/** A line server on 127.0.0.1 (or a path): answers each line upper-cased; `sockets` it holds. */
async function lineServer(at: { port?: number; path?: string } = {}) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => socket.write(text.toUpperCase()));
  });
  if (at.path) server.listen(at.path);
  else server.listen(at.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = at.path ? 0 : (server.address() as { port: number }).port;
  const close = async () => {
    if (!server.listening) return;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanups.push(close);
  return { server, port, sockets, close };
}

/** Starts a client alone; stopped after the test. */
function startClient(options: Omit<TcpClientServiceOptions, 'id' | 'logger'>) {
  const logger = createCapturingLogger();
  const client: TcpClientMachine = createTcpClientService({ id: 'upstream', logger, ...options });
  const actor: AnyActorRef = createActor(client).start();
  cleanups.push(() => shutdown(actor));
  return { client, actor, logger, details: () => getTree(actor).details ?? {} };
}

const soon = () => ({ signal: AbortSignal.timeout(HANG_GUARD) });

/** Reads one line from the client's current connection. */
async function readLine(client: TcpClientMachine): Promise<string | undefined> {
  const conn = await client.connected(soon());
  for await (const line of conn.lines()) return line;
  return undefined;
}

describe('a connection kept up', () => {
  it('connects in starting, then writes and reads lines through the machine', async () => {
    const srv = await lineServer();
    const { client, actor, details } = startClient({ port: srv.port });
    await reachState(actor, 'running');
    expect(details()).toMatchObject({
      target: `127.0.0.1:${srv.port}`,
      tls: false,
      connected: true,
      connections: 1,
    });
    await client.write('ping\n');
    expect(await readLine(client)).toBe('PING');
    expect(details()).toMatchObject({ sent: 5, received: 5, unread: 0 });
  });

  it('reconnects when the server is restarted under it, each loss a counted failure', async () => {
    const srv = await lineServer();
    const { client, actor, details } = startClient({
      port: srv.port,
      reconnect: { initial: 5, max: 40, jitter: 0 },
    });
    await reachState(actor, 'running');
    // The live connection, read through the machine's getter (not a copy made at creation).
    const first = client.connection;
    expect(first).toBeDefined();
    await srv.close();
    await eventually(() => expect(getTree(actor).failures).toBeGreaterThanOrEqual(1));
    await expect(client.write('lost\n')).rejects.toMatchObject({ code: 'CLIENT_NOT_CONNECTED' });
    expect(getTree(actor).lastError?.message).toContain('was lost');
    const again = await lineServer({ port: srv.port });
    const conn = await client.connected(soon());
    expect(conn).not.toBe(first);
    expect(client.connection).toBe(conn);
    await conn.write('back\n');
    expect(await readLine(client)).toBe('BACK');
    expect(details()).toMatchObject({ connected: true, connections: 2 });
    expect(getTree(actor).state).toBe('running');
    expect(again.sockets.size).toBe(1);
  });

  it('backs off between attempts (1, 2, 4 ... ms) and fails on failure maxFailures + 1', async () => {
    const srv = await lineServer();
    const { actor, logger } = startClient({
      port: srv.port,
      maxFailures: 3,
      reconnect: { initial: 1, max: 8, jitter: 0 },
    });
    await reachState(actor, 'running');
    await srv.close();
    await reachState(actor, 'failed', HANG_GUARD);
    const failures = logger.at('error').filter((e) => e.msg === 'iteration failed');
    expect(failures).toHaveLength(4);
    // the first is the lost connection, then three refused attempts
    expect(String(failures[1]?.fields.err)).toContain('ECONNREFUSED');
    expect(getTree(actor).details).toMatchObject({ attempt: 3, connected: false });
  });

  it('ends the connection on stop (the server sees EOF) and awaits handle', async () => {
    const srv = await lineServer();
    const order: string[] = [];
    const { actor } = startClient({
      port: srv.port,
      async handle(conn) {
        for await (const _ of conn.chunks()) order.push('chunk');
        order.push('handle done');
      },
    });
    await reachState(actor, 'running');
    const [socket] = [...srv.sockets];
    socket?.on('end', () => order.push('server saw EOF'));
    await shutdown(actor);
    order.push('stopped');
    expect(order).toEqual(['server saw EOF', 'handle done', 'stopped']);
  });

  it('counts a handle that throws as a failure, and connects again', async () => {
    const srv = await lineServer();
    let calls = 0;
    const { actor, details } = startClient({
      port: srv.port,
      reconnect: { initial: 1, max: 10, jitter: 0 },
      handle() {
        calls++;
        if (calls === 1) throw new Error('bad greeting');
      },
    });
    await eventually(() => expect(details()).toMatchObject({ connections: 2, connected: true }));
    expect(getTree(actor).lastError?.message).toBe('bad greeting');
  });

  it('gives the connection out only after onConnect has resolved', async () => {
    const srv = await lineServer();
    const seen: string[] = [];
    const { client } = startClient({
      port: srv.port,
      async onConnect(conn) {
        seen.push(`onConnect, given out: ${client.connection !== undefined}`);
        await conn.write('hello\n');
      },
    });
    const conn = await client.connected(soon());
    seen.push('connected');
    expect(seen).toEqual(['onConnect, given out: false', 'connected']);
    for await (const line of conn.lines()) {
      expect(line).toBe('HELLO');
      break;
    }
  });

  it('refuses a second reader on one connection', async () => {
    const srv = await lineServer();
    const { client } = startClient({ port: srv.port });
    const conn = await client.connected(soon());
    const first = conn.lines();
    const pending = first.next();
    await expect(conn.chunks().next()).rejects.toMatchObject({ code: 'CLIENT_READER_TAKEN' });
    await conn.write('x\n');
    await expect(pending).resolves.toEqual({ value: 'X', done: false });
    await first.return(undefined);
  });

  it('rejects a write over maxWriteBuffer', async () => {
    const srv = await lineServer();
    const { client } = startClient({ port: srv.port, maxWriteBuffer: 4 });
    await client.connected(soon());
    await expect(client.write('too long\n')).rejects.toBeInstanceOf(ClientStateError);
    await expect(client.write('too long\n')).rejects.toMatchObject({ code: 'CLIENT_BUFFER_FULL' });
  });
});

describe('connecting', () => {
  it('fails the start with a ClientConnectError naming the port when nothing listens', async () => {
    const port = await freePort();
    const { actor, client } = startClient({ port });
    await reachState(actor, 'failed');
    expect(getTree(actor).lastError?.message).toBe(
      `TCP client "upstream" could not connect to 127.0.0.1:${port}: nothing listens there (ECONNREFUSED); start the server, or check \`port\` and \`host\`.`,
    );
    await expect(client.write('x')).rejects.toMatchObject({ code: 'CLIENT_NOT_CONNECTED' });
  });

  it('connects to a unix socket path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xs-client-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'line.sock');
    await lineServer({ path });
    const { client, details } = startClient({ path });
    await client.connected(soon());
    expect(details()).toMatchObject({ target: path, connected: true });
    await client.write('unix\n');
    expect(await readLine(client)).toBe('UNIX');
  });

  it('connects with TLS, checking the server against `ca`', async () => {
    const { key, cert } = makeTestCertificate();
    const server = createTlsServer({ key, cert }, (socket) => {
      socket.on('error', () => {});
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => socket.write(`tls:${text}`));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const { client, details } = startClient({ port, tls: { ca: cert, servername: 'localhost' } });
    await client.connected(soon());
    expect(details()).toMatchObject({ tls: true, connected: true });
    await client.write('hi\n');
    expect(await readLine(client)).toBe('tls:hi');

    // Without `ca`, the self-signed certificate is refused: the start fails.
    const strict = createActor(
      createTcpClientService({ id: 'strict', port, tls: {}, logger: createCapturingLogger() }),
    ).start();
    cleanups.push(() => shutdown(strict));
    await reachState(strict, 'failed');
    const error = getTree(strict).lastError?.message ?? '';
    expect(error).toMatch(
      /^TLS client "strict" could not connect to 127\.0\.0\.1:\d+: self[- ]signed certificate/,
    );
  });
});

describe('options', () => {
  it('refuses bad options with a ServiceConfigError naming the option, received and expected', () => {
    const cases: [Record<string, unknown>, string, unknown][] = [
      [{}, 'port', undefined],
      [{ port: 0 }, 'port', 0],
      [{ port: 70_000 }, 'port', 70_000],
      [{ port: 1, path: '/tmp/x.sock' }, 'path', '/tmp/x.sock'],
      [{ port: 1, host: '' }, 'host', ''],
      [{ port: 1, reconnect: { initial: 10, max: 5 } }, 'reconnect', { initial: 10, max: 5 }],
      [{ port: 1, connectTimeout: 0 }, 'connectTimeout', 0],
      [{ port: 1, maxReadBuffer: 0 }, 'maxReadBuffer', 0],
      [{ port: 1, tls: 'yes' }, 'tls', 'string'],
      [{ port: 1, handle: 'x' }, 'handle', 'x'],
      [{ port: 1, pause: 5 }, 'pause', 5],
    ];
    for (const [options, option, received] of cases) {
      let error: unknown;
      try {
        createTcpClientService({ id: 'c', ...options } as TcpClientServiceOptions);
      } catch (e) {
        error = e;
      }
      expect(error, option).toBeInstanceOf(ServiceConfigError);
      expect(error).toMatchObject({ option, received, owner: 'c' });
    }
  });

  it('carries the system code and the option to check on a ClientConnectError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const e = new ClientConnectError('c', 'TCP', '127.0.0.1:1', refused);
    expect(e).toMatchObject({
      code: 'CLIENT_CONNECT_FAILED',
      option: 'port',
      systemCode: 'ECONNREFUSED',
      target: '127.0.0.1:1',
    });
    expect(new ClientConnectError('c', 'TCP', '/x.sock', { code: 'ENOENT' }).option).toBe('path');
  });
});
