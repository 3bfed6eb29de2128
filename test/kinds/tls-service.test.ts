/**
 * createTlsService with real sockets on 127.0.0.1 and a self-signed certificate made for the
 * run: handshakes, the bounded close (the one aiomisc could hang in), failures, options, and
 * supervision.
 */
import { once } from 'node:events';
import { connect as connectTcp } from 'node:net';
import { type ConnectionOptions, connect, type TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { getTree, ServiceConfigError } from '../../src/index.ts';
import { drainBudget } from '../../src/kinds/servers/endpoint.ts';
import { createTlsService, type TlsServiceOptions } from '../../src/kinds/servers/tls-service.ts';
import { deferred } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { HANG_GUARD, LONG_GRACE, TIMER_EPSILON } from '../helpers/real-time.ts';
import {
  type Alone,
  beginHeldStop,
  delay,
  describeSupervised,
  eventually,
  exchange,
  holdPort,
  makeTestCertificate,
  problems,
  reachState,
  startAlone,
  stopTimed,
} from './servers-helpers.ts';

let credentials: { key: Buffer; cert: Buffer };
beforeAll(() => {
  credentials = makeTestCertificate();
});

let running: Alone[] = [];
let clients: { destroy(): void }[] = [];
afterEach(async () => {
  for (const c of clients) c.destroy();
  for (const s of running) if (getTree(s.actor).state === 'running') await stopTimed(s.actor);
  running = [];
  clients = [];
});

const echo = (socket: TLSSocket) => {
  socket.on('data', (d: Buffer) => socket.write(`echo ${d.toString()}`));
};

async function start(options: Partial<TlsServiceOptions> = {}) {
  const s = await startAlone((logger) =>
    createTlsService({ id: 'tls', handle: echo, tls: credentials, logger, ...options }),
  );
  running.push(s);
  return s;
}

/** A TLS client that trusts the test certificate (and checks the host name). */
function tlsClient(port: number): TLSSocket {
  const socket = connect({
    port,
    host: '127.0.0.1',
    servername: 'localhost',
    ca: credentials.cert,
  });
  clients.push(socket);
  return socket;
}

describe('createTlsService: serving', () => {
  it('completes handshakes, hands connections to the handler, and shows the real port', async () => {
    const s = await start();
    const { port, url } = s.details() as { port: number; url: string };
    expect(url).toBe(`tls://127.0.0.1:${port}`);
    const socket = tlsClient(port);
    await once(socket, 'secureConnect');
    expect(socket.authorized).toBe(true);
    socket.write('hi');
    const [answer] = (await once(socket, 'data')) as [Buffer];
    expect(answer.toString()).toBe('echo hi');
    expect(s.details()).toMatchObject({ listening: true, connections: 1 });
  });

  it('is running only once the port is listening', async () => {
    const logger = createCapturingLogger();
    const actor = createActor(
      createTlsService({ id: 'tls', logger, tls: credentials, handle: echo }),
    ).start();
    expect(getTree(actor)).toMatchObject({ state: 'starting', details: { listening: false } });
    await reachState(actor, 'running');
    expect(getTree(actor).details?.listening).toBe(true);
    running.push({ actor, logger, tree: () => getTree(actor), details: () => ({}) });
  });
});

describe('createTlsService: bounded close', () => {
  it('ends idle TLS connections cleanly and is not held by them', async () => {
    const s = await start({ gracePeriod: LONG_GRACE });
    const socket = tlsClient(s.details().port as number);
    const echoed = once(socket, 'data');
    const outcome = exchange(socket, 'x', 'secureConnect');
    await echoed;
    // Well before the drain deadline of LONG_GRACE, and by close_notify and EOF, not a reset.
    expect(await stopTimed(s.actor)).toBeLessThan(HANG_GUARD);
    expect(await outcome).toEqual({ data: 'echo x', ending: 'end' });
    expect(problems(s.logger)).toEqual([]);
  });

  it('waits for a busy handler, whose answer arrives', async () => {
    const busy = deferred();
    const release = deferred();
    const order: string[] = [];
    const s = await start({
      gracePeriod: LONG_GRACE,
      async handle(socket) {
        await once(socket, 'data');
        busy.resolve();
        await release.promise;
        socket.write('done');
        order.push('answered');
      },
    });
    const outcome = exchange(tlsClient(s.details().port as number), 'go', 'secureConnect');
    await busy.promise;
    // The stop begins (the listener closes) and holds while the handler is busy.
    const { stopped } = await beginHeldStop(s, order);
    release.resolve();
    expect(await outcome).toEqual({ data: 'done', ending: 'end' });
    expect(await stopped).toBeLessThan(HANG_GUARD);
    expect(order).toEqual(['answered', 'stopped']);
  });

  it('is bounded when a handler hangs: reset after the grace margin', async () => {
    const gracePeriod = 300;
    const s = await start({ gracePeriod, handle: () => new Promise(() => {}) });
    const outcome = exchange(tlsClient(s.details().port as number));
    await eventually(() => expect(s.details().active).toBe(1));
    const elapsed = await stopTimed(s.actor);
    // Reset once the drain budget is spent, not before; closed before the core's deadline.
    expect(elapsed).toBeGreaterThanOrEqual(drainBudget(gracePeriod) - TIMER_EPSILON);
    expect(elapsed).toBeLessThan(HANG_GUARD);
    expect((await outcome).ending).toBe('ECONNRESET');
    expect(s.tree().state).toBe('stopped');
    expect(s.logger.find('killed')).toEqual([]);
  });

  it('is not held by a peer stuck before its handshake', async () => {
    const s = await start({ gracePeriod: LONG_GRACE });
    // A TCP peer that connects to the TLS port and never says hello.
    const silent = connectTcp(s.details().port as number, '127.0.0.1');
    clients.push(silent);
    silent.on('error', () => {});
    await once(silent, 'connect');
    const closed = new Promise((resolve) => silent.once('close', resolve));
    // Room for the server to accept it; if it has not yet, the closing listener drops it too.
    await delay(20);
    // Well before the drain deadline of LONG_GRACE: the stop did not wait for the handshake.
    expect(await stopTimed(s.actor)).toBeLessThan(HANG_GUARD);
    await closed;
    expect(s.logger.find('killed')).toEqual([]);
  });

  it('resets a peer that never answers close_notify, within the grace period', async () => {
    const gracePeriod = 400;
    const s = await start({ gracePeriod });
    const stubborn = connect({
      port: s.details().port as number,
      host: '127.0.0.1',
      ca: credentials.cert,
      servername: 'localhost',
      allowHalfOpen: true, // in Node's TLSSocket options, missing from @types/node's
    } as ConnectionOptions);
    clients.push(stubborn);
    const seen: string[] = [];
    stubborn.on('end', () => seen.push('end'));
    stubborn.on('error', (e: NodeJS.ErrnoException) => seen.push(e.code ?? e.message));
    await once(stubborn, 'secureConnect');
    await eventually(() => expect(s.details().connections).toBe(1));
    const elapsed = await stopTimed(s.actor);
    // close_notify and EOF at once, the reset once the drain budget is spent, all before the
    // core's deadline.
    expect(elapsed).toBeGreaterThanOrEqual(drainBudget(gracePeriod) - TIMER_EPSILON);
    expect(elapsed).toBeLessThan(HANG_GUARD);
    await eventually(() => expect(seen[0]).toBe('end'));
    expect(problems(s.logger)).toContain(
      'TLS connections still open at the end of the grace period; destroyed',
    );
    expect(s.logger.find('killed')).toEqual([]);
  });
});

describe('createTlsService: failures', () => {
  it('fails the start with a clear error naming the port when it is in use (EADDRINUSE)', async () => {
    const taken = await holdPort();
    try {
      const logger = createCapturingLogger();
      const actor = createActor(
        createTlsService({ id: 'tls', port: taken.port, logger, tls: credentials, handle: echo }),
      ).start();
      await reachState(actor, 'failed');
      expect(getTree(actor).lastError?.message).toContain(
        `TLS service "tls" could not listen on 127.0.0.1:${taken.port}: the address is already in use (EADDRINUSE)`,
      );
      actor.stop();
    } finally {
      await taken.close();
    }
  });

  it('resets the connection of a handler that throws, and counts no failure by default', async () => {
    const s = await start({
      maxFailures: 0,
      handle: () => {
        throw new Error('tls handler boom');
      },
    });
    for (let i = 0; i < 2; i++) {
      expect((await exchange(tlsClient(s.details().port as number))).ending).toBe('ECONNRESET');
    }
    expect(s.tree()).toMatchObject({ state: 'running', generation: 0, failures: 0 });
    expect(s.logger.find('connection handler threw; socket destroyed')).toHaveLength(2);
  });

  it("counts a handler that throws as a failure of the service with handlerErrors: 'count'", async () => {
    const s = await start({
      handlerErrors: 'count',
      handle: () => {
        throw new Error('tls handler boom');
      },
    });
    const outcome = await exchange(tlsClient(s.details().port as number));
    expect(outcome.ending).toBe('ECONNRESET');
    expect(s.tree()).toMatchObject({ state: 'running', failures: 1 });
    expect(s.tree().lastError?.message).toBe('tls handler boom');
  });

  it('survives a client whose handshake fails', async () => {
    const s = await start();
    // No `ca`: the client rejects the self-signed certificate and aborts the handshake.
    const socket = connect({ port: s.details().port as number, host: '127.0.0.1' });
    clients.push(socket);
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    await delay(20);
    expect(s.tree()).toMatchObject({ state: 'running', failures: 0 });
  });
});

describe('createTlsService: options', () => {
  it('rejects missing or unusable TLS options at creation, without echoing the key', () => {
    const cases: unknown[] = [
      undefined,
      'key',
      {},
      { key: credentials.key },
      { key: 'not a key', cert: 'not a cert' },
    ];
    for (const tls of cases) {
      const make = () => createTlsService({ id: 'tls', handle: echo, tls } as never);
      expect(make).toThrow(ServiceConfigError);
      expect(make).toThrow(expect.objectContaining({ option: 'tls' }));
    }
    const withKey = () =>
      createTlsService({ id: 'tls', handle: echo, tls: { key: credentials.key } });
    expect(withKey).not.toThrow(credentials.key.toString().slice(40, 80));
    expect(withKey).toThrow(/key` and `cert`/);
  });

  it('rejects a missing handler and unknown options', () => {
    expect(() => createTlsService({ id: 'tls', tls: credentials } as never)).toThrow(
      expect.objectContaining({ option: 'handle' }),
    );
    expect(() =>
      createTlsService({ id: 'tls', handle: echo, tls: credentials, cert: 1 } as never),
    ).toThrow(expect.objectContaining({ option: 'cert', code: 'SERVICE_CONFIG_UNKNOWN_OPTION' }));
  });
});

describeSupervised({
  make: (port) =>
    createTlsService({
      id: 'server',
      port,
      tls: credentials,
      handle: (socket) => void socket.once('data', () => socket.end('pong')),
    }),
  probe: async (port) => {
    const socket = connect({
      port,
      host: '127.0.0.1',
      servername: 'localhost',
      ca: credentials.cert,
    });
    return (await exchange(socket, 'ping', 'secureConnect')).data;
  },
  answer: 'pong',
});
