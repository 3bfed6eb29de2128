/**
 * createUdpService with real datagrams on 127.0.0.1: receiving and replying, the bounded stop,
 * handler failures, bind errors, a socket that dies, options, and supervision.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { getTree, ServiceConfigError } from '../../src/index.ts';
import { drainBudget } from '../../src/kinds/servers/endpoint.ts';
import { ServerListenError } from '../../src/kinds/servers/listen-error.ts';
import { createUdpService, type UdpServiceOptions } from '../../src/kinds/servers/udp-service.ts';
import { deferred } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { HANG_GUARD, LONG_GRACE, TIMER_EPSILON } from '../helpers/real-time.ts';
import {
  type Alone,
  delay,
  describeSupervised,
  eventually,
  freePort,
  problems,
  reachState,
  stallLoop,
  startAlone,
  stopTimed,
} from './servers-helpers.ts';

let running: Alone[] = [];
let clients: Socket[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  for (const s of running) if (getTree(s.actor).state === 'running') await stopTimed(s.actor);
  running = [];
  clients = [];
});

const reply = (msg: Buffer, rinfo: RemoteInfo, socket: Socket) => {
  socket.send(`re: ${msg.toString()}`, rinfo.port, rinfo.address);
};

async function start(options: Partial<UdpServiceOptions> = {}) {
  const s = await startAlone((logger) =>
    createUdpService({ id: 'udp', onMessage: reply, logger, ...options }),
  );
  running.push(s);
  return s;
}

/** A client socket bound to 127.0.0.1 that collects what it receives. */
async function udpClient(): Promise<{ socket: Socket; received: string[] }> {
  const socket = createSocket('udp4');
  clients.push(socket);
  const received: string[] = [];
  socket.on('message', (msg: Buffer) => received.push(msg.toString()));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, received };
}

function send(socket: Socket, port: number, text: string): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(text, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
  );
}

/** Waits until `received` has `n` entries (or 2 s). */
async function receive(received: string[], n: number): Promise<string[]> {
  for (let waited = 0; received.length < n && waited < 2_000; waited += 5) await delay(5);
  return received;
}

/** One request, one answer: the probe of the supervision cases. */
async function roundTrip(port: number, text: string): Promise<string> {
  const socket = createSocket('udp4');
  try {
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const answer = once(socket, 'message');
    await send(socket, port, text);
    const [msg] = (await answer) as [Buffer];
    return msg.toString();
  } finally {
    socket.close();
  }
}

describe('createUdpService: serving', () => {
  it('receives datagrams, replies through the socket, and shows the real port of port 0', async () => {
    const s = await start();
    const { port, url } = s.details() as { port: number; url: string };
    expect(port).toBeGreaterThan(0);
    expect(url).toBe(`udp://127.0.0.1:${port}`);
    expect(s.details()).toMatchObject({ type: 'udp4', listening: true });
    const { socket, received } = await udpClient();
    await send(socket, port, 'one');
    await send(socket, port, 'two');
    expect(await receive(received, 2)).toEqual(['re: one', 're: two']);
    expect(s.details()).toMatchObject({ received: 2, inFlight: 0, dropped: 0 });
  });

  it('is running only once the socket is bound', async () => {
    const logger = createCapturingLogger();
    const actor = createActor(createUdpService({ id: 'udp', logger, onMessage: reply })).start();
    expect(getTree(actor)).toMatchObject({ state: 'starting', details: { listening: false } });
    await reachState(actor, 'running');
    expect(getTree(actor).details?.listening).toBe(true);
    running.push({ actor, logger, tree: () => getTree(actor), details: () => ({}) });
  });

  it("binds ::1 by default for type: 'udp6'", async () => {
    const s = await start({ type: 'udp6' });
    expect(s.details()).toMatchObject({ type: 'udp6', host: '::1', listening: true });
    expect(s.details().url).toMatch(/^udp:\/\/\[::1\]:\d+$/);
  });
});

describe('createUdpService: stop', () => {
  it('waits for a handler in flight, whose reply arrives, and drops datagrams that come later', async () => {
    const busy = deferred();
    const release = deferred();
    const order: string[] = [];
    const s = await start({
      gracePeriod: LONG_GRACE,
      async onMessage(msg, rinfo, socket) {
        busy.resolve();
        await release.promise;
        socket.send(`late ${msg.toString()}`, rinfo.port, rinfo.address);
        order.push('replied');
      },
    });
    const port = s.details().port as number;
    const { socket, received } = await udpClient();
    await send(socket, port, 'first');
    await busy.promise;
    const stopping = stopTimed(s.actor).then((elapsed) => {
      order.push('stopped');
      return elapsed;
    });
    await send(socket, port, 'too late');
    await eventually(() => expect(s.details().dropped).toBe(1));
    // The stop holds while the handler is busy: the socket is still open.
    expect(s.tree().state).not.toBe('stopped');
    expect(s.details().listening).toBe(true);
    release.resolve();
    expect(await stopping).toBeLessThan(HANG_GUARD);
    expect(await receive(received, 1)).toEqual(['late first']);
    expect(order).toEqual(['replied', 'stopped']);
    expect(s.details()).toMatchObject({ received: 1, dropped: 1, listening: false });
  });

  it('is bounded by gracePeriod when a handler hangs', async () => {
    const gracePeriod = 300;
    const s = await start({ gracePeriod, onMessage: () => new Promise(() => {}) });
    const { socket } = await udpClient();
    await send(socket, s.details().port as number, 'x');
    await eventually(() => expect(s.details().inFlight).toBe(1));
    const elapsed = await stopTimed(s.actor);
    // The socket closes once the drain budget is spent, not before; the core never had to
    // kill the generation, so the stop ended within gracePeriod.
    expect(elapsed).toBeGreaterThanOrEqual(drainBudget(gracePeriod) - TIMER_EPSILON);
    expect(elapsed).toBeLessThan(HANG_GUARD);
    expect(s.tree().state).toBe('stopped');
    expect(problems(s.logger)).toContain(
      'UDP message handlers still running at the end of the grace period; socket closed',
    );
    expect(s.logger.find('killed')).toEqual([]);
  });

  it('is not killed when the event loop reaches the grace deadlines late, as on a loaded machine', async () => {
    const gracePeriod = 300;
    const s = await start({ gracePeriod, onMessage: () => new Promise(() => {}) });
    const { socket } = await udpClient();
    await send(socket, s.details().port as number, 'x');
    await eventually(() => expect(s.details().inFlight).toBe(1));
    // The drain deadline (270 ms) and the core's (300 ms) pass while the loop is busy, so both
    // timers fire in the same turn: the close must finish before the core's timer runs.
    const t0 = performance.now();
    stallLoop(t0, gracePeriod / 2, gracePeriod + 50);
    await stopTimed(s.actor);
    expect(s.logger.find('killed')).toEqual([]);
    expect(s.tree().state).toBe('stopped');
    expect(s.details().listening).toBe(false);
  });

  it('stops at once when nothing is in flight', async () => {
    const s = await start({ gracePeriod: LONG_GRACE });
    expect(await stopTimed(s.actor)).toBeLessThan(HANG_GUARD);
    expect(s.tree().state).toBe('stopped');
    expect(problems(s.logger)).toEqual([]);
  });
});

describe('createUdpService: failures', () => {
  it('fails the start with a clear error naming the port when it is in use (EADDRINUSE)', async () => {
    const holder = createSocket('udp4');
    holder.bind(0, '127.0.0.1');
    await once(holder, 'listening');
    const { port } = holder.address();
    try {
      const logger = createCapturingLogger();
      const actor = createActor(
        createUdpService({ id: 'udp', port, logger, onMessage: reply }),
      ).start();
      await reachState(actor, 'failed');
      expect(getTree(actor).lastError?.message).toContain(
        `UDP service "udp" could not listen on 127.0.0.1:${port}: the address is already in use (EADDRINUSE)`,
      );
      expect(logger.find('onStart threw')[0]?.fields.err).toBeInstanceOf(ServerListenError);
      actor.stop();
    } finally {
      holder.close();
    }
  });

  it('drops the datagram of a handler that throws, logs it, and counts no failure by default', async () => {
    const s = await start({
      maxFailures: 0,
      onMessage: async (msg, rinfo, socket) => {
        if (msg.toString().startsWith('bad')) throw new Error('udp boom');
        reply(msg, rinfo, socket);
      },
    });
    const { socket, received } = await udpClient();
    const port = s.details().port as number;
    await send(socket, port, 'bad 1');
    await send(socket, port, 'bad 2');
    await send(socket, port, 'good');
    expect(await receive(received, 1)).toEqual(['re: good']);
    expect(s.tree()).toMatchObject({ state: 'running', generation: 0, failures: 0 });
    const logged = s.logger.find('message handler threw; datagram dropped');
    expect(logged.map((e) => e.level)).toEqual(['error', 'error']);
    expect(logged[0]?.fields).toMatchObject({ service: 'udp' });
  });

  it("counts a handler that throws as a failure of the service with handlerErrors: 'count'", async () => {
    const s = await start({
      handlerErrors: 'count',
      onMessage: (msg, rinfo, socket) => {
        if (msg.toString() === 'bad') throw new Error('udp boom');
        reply(msg, rinfo, socket);
      },
    });
    const { socket, received } = await udpClient();
    const port = s.details().port as number;
    await send(socket, port, 'bad');
    await send(socket, port, 'good');
    expect(await receive(received, 1)).toEqual(['re: good']);
    expect(s.tree()).toMatchObject({ state: 'running', failures: 1 });
    expect(s.tree().lastError?.message).toBe('udp boom');
    expect(s.logger.find('message handler threw; datagram dropped')[0]?.fields).toMatchObject({
      service: 'udp',
    });
  });

  it('counts a socket closed under it as a failure and binds the same port again', async () => {
    const port = await freePort();
    const s = await start({
      port,
      relistenDelay: 10,
      onMessage: (msg, rinfo, socket) => {
        if (msg.toString() === 'close yourself') socket.close();
        else reply(msg, rinfo, socket);
      },
    });
    const { socket, received } = await udpClient();
    await send(socket, port, 'close yourself');
    for (let i = 0; i < 100 && s.tree().failures === 0; i++) await delay(5);
    expect(s.tree().lastError?.message).toBe(
      `UDP service "udp": the socket on udp://127.0.0.1:${port} closed unexpectedly.`,
    );
    for (let i = 0; i < 100 && s.details().listening !== true; i++) await delay(5);
    expect(s.tree()).toMatchObject({ state: 'running', failures: 1, generation: 0 });
    expect(s.details()).toMatchObject({ port, listening: true, received: 0 });
    await send(socket, port, 'again');
    expect(await receive(received, 1)).toEqual(['re: again']);
    expect(s.logger.find('UDP service listening again')).toHaveLength(1);
  });
});

describe('createUdpService: port 0', () => {
  it('binds the port the system chose at the first bind again when its socket dies', async () => {
    const s = await start({
      relistenDelay: 10,
      onMessage: (msg, rinfo, socket) => {
        if (msg.toString() === 'close yourself') socket.close();
        else reply(msg, rinfo, socket);
      },
    });
    const port = s.details().port as number;
    expect(port).toBeGreaterThan(0);
    const { socket } = await udpClient();
    await send(socket, port, 'close yourself');
    const rebound = () => s.logger.find('UDP service listening again').length > 0;
    for (let i = 0; i < 400 && !rebound(); i++) await delay(5);
    expect(s.tree()).toMatchObject({ state: 'running', generation: 0, failures: 1 });
    expect(s.details()).toMatchObject({ port, listening: true });
    expect(await roundTrip(port, 'again')).toBe('re: again');
  });
});

describe('createUdpService: options', () => {
  it('rejects invalid options with a ServiceConfigError naming them', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ onMessage: undefined }, 'onMessage', 'SERVICE_CONFIG_INVALID'],
      [{ type: 'tcp' }, 'type', 'SERVICE_CONFIG_INVALID'],
      [{ port: 65_536 }, 'port', 'SERVICE_CONFIG_INVALID'],
      [{ relistenDelay: -1 }, 'relistenDelay', 'SERVICE_CONFIG_INVALID'],
      [{ reusePort: true }, 'reusePort', 'SERVICE_CONFIG_UNKNOWN_OPTION'],
      [{ handle: reply }, 'handle', 'SERVICE_CONFIG_UNKNOWN_OPTION'],
    ];
    for (const [bad, option, code] of cases) {
      const make = () => createUdpService({ id: 'udp', onMessage: reply, ...bad } as never);
      expect(make).toThrow(ServiceConfigError);
      expect(make).toThrow(expect.objectContaining({ option, code }));
    }
  });
});

describeSupervised({
  make: (port) => createUdpService({ id: 'server', port, onMessage: reply }),
  probe: (port) => roundTrip(port, 'ping'),
  answer: 're: ping',
});
