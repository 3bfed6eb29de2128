/**
 * createTcpService with real sockets on 127.0.0.1: connections, the bounded stop, handler
 * failures, listen errors, options, and supervision.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { getTree, ServiceConfigError, type ServiceContext } from '../../src/index.ts';
import { drainBudget } from '../../src/kinds/servers/endpoint.ts';
import { ServerListenError } from '../../src/kinds/servers/listen-error.ts';
import { reusePortSupported } from '../../src/kinds/servers/reuse-port.ts';
import { createTcpService } from '../../src/kinds/servers/tcp-service.ts';
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
  problems,
  reachState,
  startAlone,
  stopTimed,
} from './servers-helpers.ts';

let running: Alone[] = [];
let clients: Socket[] = [];
afterEach(async () => {
  for (const c of clients) c.destroy();
  for (const s of running) if (getTree(s.actor).state === 'running') await stopTimed(s.actor);
  running = [];
  clients = [];
});

/** Echoes each chunk, upper-cased; the handler returns at once (the connection is idle). */
const upperEcho = (socket: Socket) => {
  socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
};

async function start(options: Partial<Parameters<typeof createTcpService>[0]> = {}) {
  const s = await startAlone((logger) =>
    createTcpService({ id: 'tcp', handle: upperEcho, logger, ...options }),
  );
  running.push(s);
  return s;
}

function client(s: Alone): Socket {
  const socket = connect(s.details().port as number, '127.0.0.1');
  clients.push(socket);
  return socket;
}

/** Resolves with the first chunk the socket receives. */
async function firstChunk(socket: Socket): Promise<string> {
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  return chunk.toString();
}

describe('createTcpService: serving', () => {
  it('hands connections to the handler and shows the real port of port 0 in getTree', async () => {
    const s = await start();
    const details = s.details();
    expect(details).toMatchObject({ host: '127.0.0.1', listening: true, connections: 0 });
    expect(details.url).toBe(`tcp://127.0.0.1:${details.port}`);
    const socket = client(s);
    socket.write('ping');
    expect(await firstChunk(socket)).toBe('PING');
    expect(s.details()).toMatchObject({ connections: 1, active: 0 });
  });

  it('is running only once the port is listening', async () => {
    const logger = createCapturingLogger();
    const actor = createActor(
      createTcpService({ id: 'tcp', logger, handle: upperEcho, onStart: () => delay(30) }),
    );
    const listening: unknown[] = [];
    actor.subscribe(() => {
      const { state, details } = getTree(actor);
      if (state === 'running') listening.push(details?.listening);
    });
    actor.start();
    expect(getTree(actor).details?.listening).toBe(false);
    await reachState(actor, 'running');
    expect(listening.length).toBeGreaterThan(0);
    expect(listening.every((l) => l === true)).toBe(true);
    running.push({ actor, logger, tree: () => getTree(actor), details: () => ({}) });
  });

  it("gives the handler the running generation's context, a hard reset's included", async () => {
    const generations: number[] = [];
    const s = await start({
      handle: (socket, ctx) => {
        generations.push(ctx.generation);
        socket.end();
      },
    });
    await exchange(client(s));
    s.actor.send({ type: 'service.hard-reset' });
    await eventually(() => expect(s.tree()).toMatchObject({ state: 'running', generation: 1 }));
    await exchange(client(s));
    expect(generations).toEqual([0, 1]);
  });
});

describe('createTcpService: stop', () => {
  it('waits for a busy handler, whose answer arrives, then ends the connection', async () => {
    const busy = deferred();
    const release = deferred();
    const order: string[] = [];
    const s = await start({
      gracePeriod: LONG_GRACE,
      async handle(socket) {
        const [request] = (await once(socket, 'data')) as [Buffer];
        busy.resolve();
        await release.promise;
        socket.write(`answer to ${request.toString()}`);
        order.push('answered');
      },
    });
    const pending = exchange(client(s), 'question');
    await busy.promise;
    expect(s.details().active).toBe(1);
    // The stop begins (the listener closes) and holds while the handler is busy.
    const { stopped } = await beginHeldStop(s, order);
    release.resolve();
    expect(await pending).toEqual({ data: 'answer to question', ending: 'end' });
    expect(await stopped).toBeLessThan(HANG_GUARD);
    expect(order).toEqual(['answered', 'stopped']);
  });

  it('lets a handler that watches ctx.signal finish cleanly', async () => {
    const waiting = deferred();
    const s = await start({
      gracePeriod: LONG_GRACE,
      async handle(socket: Socket, ctx: ServiceContext) {
        const aborted = once(ctx.signal, 'abort');
        waiting.resolve();
        await aborted;
        socket.write('bye');
      },
    });
    const pending = exchange(client(s));
    await waiting.promise;
    // Well before the drain deadline of LONG_GRACE: the handler ended on the abort.
    expect(await stopTimed(s.actor)).toBeLessThan(HANG_GUARD);
    expect(await pending).toEqual({ data: 'bye', ending: 'end' });
  });

  it('is bounded by gracePeriod when a handler hangs: destroyed after the grace margin', async () => {
    const gracePeriod = 300;
    const s = await start({ gracePeriod, handle: () => new Promise(() => {}) });
    const pending = exchange(client(s));
    await eventually(() => expect(s.details().active).toBe(1));
    const elapsed = await stopTimed(s.actor);
    // Destroyed once the drain budget is spent, not before; closed before the core's deadline,
    // so the generation was not killed.
    expect(elapsed).toBeGreaterThanOrEqual(drainBudget(gracePeriod) - TIMER_EPSILON);
    expect(elapsed).toBeLessThan(HANG_GUARD);
    expect((await pending).ending).toBe('ECONNRESET');
    expect(s.tree().state).toBe('stopped');
    expect(problems(s.logger)).toContain(
      'TCP connections still open at the end of the grace period; destroyed',
    );
    expect(s.logger.find('killed')).toEqual([]);
  });

  it('is not held by idle connections: they are ended (EOF) at once', async () => {
    const s = await start({ gracePeriod: LONG_GRACE });
    const sockets = [client(s), client(s), client(s)];
    const echoed = sockets.map((socket) => once(socket, 'data'));
    const ends = sockets.map((socket) => exchange(socket, 'x'));
    await Promise.all(echoed);
    expect(s.details().connections).toBe(3);
    // Well before the drain deadline of LONG_GRACE, and by EOF, not by a reset at the deadline.
    expect(await stopTimed(s.actor)).toBeLessThan(HANG_GUARD);
    for (const e of await Promise.all(ends)) expect(e).toEqual({ data: 'X', ending: 'end' });
    expect(s.details()).toMatchObject({ listening: false, connections: 0 });
    expect(problems(s.logger)).toEqual([]);
  });

  it('resets a peer that keeps its side open after the EOF, within the grace period', async () => {
    const gracePeriod = 300;
    const s = await start({ gracePeriod });
    const port = s.details().port as number;
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    clients.push(socket);
    const seen: string[] = [];
    socket.on('end', () => seen.push('end'));
    socket.on('error', (e: NodeJS.ErrnoException) => seen.push(e.code ?? e.message));
    await once(socket, 'connect');
    await eventually(() => expect(s.details().connections).toBe(1));
    const elapsed = await stopTimed(s.actor);
    // EOF at once, the reset once the drain budget is spent, all before the core's deadline.
    expect(elapsed).toBeGreaterThanOrEqual(drainBudget(gracePeriod) - TIMER_EPSILON);
    expect(elapsed).toBeLessThan(HANG_GUARD);
    await eventually(() => expect(seen[0]).toBe('end'));
    expect(problems(s.logger)).toContain(
      'TCP connections still open at the end of the grace period; destroyed',
    );
    expect(s.tree().state).toBe('stopped');
    expect(s.logger.find('killed')).toEqual([]);
  });
});

describe('createTcpService: failures', () => {
  it('fails the start with a clear error naming the port when it is in use (EADDRINUSE)', async () => {
    const taken = await holdPort();
    try {
      const logger = createCapturingLogger();
      const actor = createActor(
        createTcpService({ id: 'tcp', port: taken.port, logger, handle: upperEcho }),
      ).start();
      await reachState(actor, 'failed');
      expect(getTree(actor).lastError?.message).toContain(
        `TCP service "tcp" could not listen on 127.0.0.1:${taken.port}: the address is already in use (EADDRINUSE)`,
      );
      expect(logger.find('onStart threw')[0]?.fields.err).toBeInstanceOf(ServerListenError);
      actor.stop();
    } finally {
      await taken.close();
    }
  });

  it('destroys the socket of a handler that throws, logs it, and counts no failure by default', async () => {
    const s = await start({
      maxFailures: 0,
      handle: () => {
        throw new Error('handler boom');
      },
    });
    for (let i = 0; i < 3; i++) {
      expect((await exchange(client(s))).ending).toBe('ECONNRESET');
    }
    expect(s.tree()).toMatchObject({ state: 'running', generation: 0, failures: 0 });
    expect(s.logger.at('error').map((e) => e.msg)).toEqual([
      'connection handler threw; socket destroyed',
      'connection handler threw; socket destroyed',
      'connection handler threw; socket destroyed',
    ]);
  });

  it("counts a handler's rejection as a failure of the service with handlerErrors: 'count'", async () => {
    const s = await start({
      handlerErrors: 'count',
      handle: async () => {
        throw new Error('async boom');
      },
    });
    await exchange(client(s));
    expect(s.tree()).toMatchObject({ state: 'running', failures: 1 });
    expect(s.tree().lastError?.message).toBe('async boom');
    expect(s.logger.find('connection handler threw; socket destroyed')).toHaveLength(1);
  });

  it('survives a peer that resets its connection', async () => {
    const s = await start({ handle: () => {} });
    const socket = client(s);
    await once(socket, 'connect');
    socket.resetAndDestroy();
    await delay(30);
    expect(s.tree()).toMatchObject({ state: 'running', failures: 0 });
  });
});

describe('createTcpService: options', () => {
  it('rejects invalid options with a ServiceConfigError naming them', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ handle: undefined }, 'handle', 'SERVICE_CONFIG_INVALID'],
      [{ port: '7000' }, 'port', 'SERVICE_CONFIG_INVALID'],
      [{ host: 42 }, 'host', 'SERVICE_CONFIG_INVALID'],
      [{ handlerErrors: true }, 'handlerErrors', 'SERVICE_CONFIG_INVALID'],
      [{ maxFailures: -1 }, 'maxFailures', 'SERVICE_CONFIG_INVALID'],
      [{ serve: upperEcho }, 'serve', 'SERVICE_CONFIG_UNKNOWN_OPTION'],
      [{ pause: 10 }, 'pause', 'SERVICE_CONFIG_UNKNOWN_OPTION'],
    ];
    for (const [bad, option, code] of cases) {
      const make = () => createTcpService({ id: 'tcp', handle: upperEcho, ...bad } as never);
      expect(make).toThrow(ServiceConfigError);
      expect(make).toThrow(expect.objectContaining({ option, code, owner: 'tcp' }));
    }
  });

  it('rejects reusePort where Node does not have it', () => {
    const make = () => createTcpService({ id: 'tcp', handle: upperEcho, reusePort: true });
    if (reusePortSupported()) expect(make).not.toThrow();
    else expect(make).toThrow(expect.objectContaining({ option: 'reusePort' }));
  });
});

describeSupervised({
  make: (port) =>
    createTcpService({
      id: 'server',
      port,
      handle: (socket) => void socket.once('data', () => socket.end('pong')),
    }),
  probe: async (port) => (await exchange(connect(port, '127.0.0.1'), 'ping')).data,
  answer: 'pong',
});
