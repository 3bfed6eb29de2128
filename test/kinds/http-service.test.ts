/**
 * createHttpService with real sockets on 127.0.0.1: listening, the bounded stop, handler
 * failures, listen errors, options, and supervision.
 */
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { getTree, ServiceConfigError } from '../../src/index.ts';
import { drainBudget } from '../../src/kinds/servers/endpoint.ts';
import { createHttpService } from '../../src/kinds/servers/http-service.ts';
import { ServerListenError } from '../../src/kinds/servers/listen-error.ts';
import { reusePortSupported } from '../../src/kinds/servers/reuse-port.ts';
import { deferred } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { HANG_GUARD, LONG_GRACE, TIMER_EPSILON } from '../helpers/real-time.ts';
import {
  type Alone,
  beginHeldStop,
  delay,
  describeSupervised,
  eventually,
  holdPort,
  problems,
  reachState,
  startAlone,
  stopTimed,
} from './servers-helpers.ts';

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

/** One GET; `agent: false` opens a connection for this request only. */
function get(url: string, agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

const urlOf = (s: Alone) => s.details().url as string;

let running: Alone[] = [];
let agents: Agent[] = [];
afterEach(async () => {
  for (const agent of agents) agent.destroy();
  for (const s of running) if (getTree(s.actor).state === 'running') await stopTimed(s.actor);
  running = [];
  agents = [];
});

async function start(options: Partial<Parameters<typeof createHttpService>[0]> = {}) {
  const s = await startAlone((logger) =>
    createHttpService({ id: 'api', serve: (_req, res) => res.end('ok'), logger, ...options }),
  );
  running.push(s);
  return s;
}

describe('createHttpService: serving', () => {
  it('serves requests and shows the real port of port 0 in getTree', async () => {
    const s = await start({ serve: (req, res) => res.end(`hello ${req.url}`) });
    const details = s.details();
    expect(details).toMatchObject({ host: '127.0.0.1', listening: true, inFlight: 0 });
    expect(details.port).toBeGreaterThan(0);
    expect(details.url).toBe(`http://127.0.0.1:${details.port}`);
    expect(await get(`${urlOf(s)}/x`)).toMatchObject({ status: 200, body: 'hello /x' });
  });

  it('is running only once the port is listening, after onStart', async () => {
    const logger = createCapturingLogger();
    /** `details.listening` at every snapshot in which the service is running. */
    const listeningWhileRunning: unknown[] = [];
    const actor = createActor(
      createHttpService({
        id: 'api',
        logger,
        serve: (_req, res) => res.end('ok'),
        async onStart() {
          await delay(50);
        },
      }),
    );
    actor.subscribe(() => {
      const { state, details } = getTree(actor);
      if (state === 'running') listeningWhileRunning.push(details?.listening);
    });
    actor.start();
    expect(getTree(actor)).toMatchObject({ state: 'starting', details: { listening: false } });
    await reachState(actor, 'running');
    expect(listeningWhileRunning.length).toBeGreaterThan(0);
    expect(listeningWhileRunning.every((l) => l === true)).toBe(true);
    running.push({ actor, logger, tree: () => getTree(actor), details: () => ({}) });
    const { url } = getTree(actor).details as { url: string };
    expect((await get(url)).body).toBe('ok');
  });

  it('shows connections and requests in flight in getTree', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const s = await start({ serve: (_req, res) => void held.then(() => res.end('done')) });
    const pending = get(urlOf(s));
    await eventually(() => expect(s.details().inFlight).toBe(1));
    expect(s.details()).toMatchObject({ connections: 1, inFlight: 1 });
    release();
    expect((await pending).body).toBe('done');
    await eventually(() => expect(s.details()).toMatchObject({ inFlight: 0 }));
  });

  it('keeps the listener through a hard reset', async () => {
    const s = await start();
    const port = s.details().port;
    s.actor.send({ type: 'service.hard-reset' });
    await eventually(() => expect(s.tree()).toMatchObject({ state: 'running', generation: 1 }));
    expect(s.details()).toMatchObject({ port, listening: true });
    expect((await get(urlOf(s))).body).toBe('ok');
  });
});

describe('createHttpService: stop', () => {
  it('waits for a slow request in flight, and its response completes', async () => {
    const busy = deferred();
    const release = deferred();
    const order: string[] = [];
    const s = await start({
      gracePeriod: LONG_GRACE,
      serve: (_req, res) => {
        res.write('slow ');
        busy.resolve();
        void release.promise.then(() => {
          res.end('response');
          order.push('answered');
        });
      },
    });
    const pending = get(urlOf(s));
    await busy.promise;
    // The stop begins (the listener closes) and holds while the request is in flight.
    const { stopped } = await beginHeldStop(s, order);
    release.resolve();
    expect(await pending).toMatchObject({ status: 200, body: 'slow response' });
    expect(await stopped).toBeLessThan(HANG_GUARD);
    expect(order).toEqual(['answered', 'stopped']);
    expect(s.details()).toMatchObject({ listening: false, connections: 0, inFlight: 0 });
  });

  it('tells a request that has not answered yet that the connection closes after it', async () => {
    const agent = new Agent({ keepAlive: true });
    agents.push(agent);
    const busy = deferred();
    const release = deferred();
    const s = await start({
      serve: (_req, res) => {
        busy.resolve();
        void release.promise.then(() => res.end('late'));
      },
    });
    const pending = get(urlOf(s), agent);
    await busy.promise;
    const stopping = stopTimed(s.actor);
    await eventually(() => expect(s.details().listening).toBe(false));
    release.resolve();
    expect(await pending).toMatchObject({ body: 'late', headers: { connection: 'close' } });
    expect(await stopping).toBeLessThan(HANG_GUARD);
  });

  it('is bounded by gracePeriod when a request hangs: destroyed after the grace margin', async () => {
    const gracePeriod = 400;
    const s = await start({ gracePeriod, serve: () => {} });
    const pending = get(urlOf(s)).then(
      () => 'answered',
      (e: NodeJS.ErrnoException) => e.code ?? e.message,
    );
    await eventually(() => expect(s.details().inFlight).toBe(1));
    const elapsed = await stopTimed(s.actor);
    // Destroyed once the drain budget is spent, not before.
    expect(elapsed).toBeGreaterThanOrEqual(drainBudget(gracePeriod) - TIMER_EPSILON);
    expect(elapsed).toBeLessThan(HANG_GUARD);
    expect(await pending).toBe('ECONNRESET');
    expect(s.tree().state).toBe('stopped');
    expect(problems(s.logger)).toContain(
      'HTTP requests still in flight at the end of the grace period; connections destroyed',
    );
    // The server closed in time: the generation was not killed.
    expect(s.logger.find('killed')).toEqual([]);
  });

  it('is not held by idle keep-alive connections', async () => {
    const agent = new Agent({ keepAlive: true });
    agents.push(agent);
    const s = await start({ gracePeriod: LONG_GRACE, keepAliveTimeout: 60_000 });
    await get(urlOf(s), agent);
    await get(urlOf(s), agent);
    expect(s.details().connections).toBe(1);
    // Well before the drain deadline of LONG_GRACE: the idle connection did not hold the stop.
    expect(await stopTimed(s.actor)).toBeLessThan(HANG_GUARD);
    expect(problems(s.logger)).toEqual([]);
  });

  it('is not held by a connection that never sent a request', async () => {
    const s = await start({ gracePeriod: LONG_GRACE });
    const socket = connect(s.details().port as number, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    await eventually(() => expect(s.details().connections).toBe(1));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    // Well before the drain deadline of LONG_GRACE: the silent connection did not hold the stop.
    expect(await stopTimed(s.actor)).toBeLessThan(HANG_GUARD);
    await closed;
    expect(problems(s.logger)).toEqual([]);
  });

  it('closes idle keep-alive connections after keepAliveTimeout', async () => {
    const agent = new Agent({ keepAlive: true });
    agents.push(agent);
    const s = await start({ keepAliveTimeout: 50 });
    await get(urlOf(s), agent);
    expect(s.details().connections).toBe(1);
    await eventually(() => expect(s.details().connections).toBe(0));
    expect(s.tree().state).toBe('running');
  });

  it('runs onStart before listening and onStop after the listener has closed', async () => {
    const log: string[] = [];
    let port = 0;
    const s = await start({
      onStart: () => void log.push('onStart'),
      onStop: async () => {
        const refused = await get(`http://127.0.0.1:${port}`).then(
          () => false,
          () => true,
        );
        log.push(`onStop (refused: ${refused})`);
      },
    });
    port = s.details().port as number;
    await stopTimed(s.actor);
    expect(log).toEqual(['onStart', 'onStop (refused: true)']);
  });

  it('never listens when onStart vetoes the start', async () => {
    const logger = createCapturingLogger();
    const actor = createActor(
      createHttpService({ id: 'api', logger, serve: () => {}, onStart: () => false }),
    ).start();
    await delay(30);
    expect(getTree(actor)).toMatchObject({ state: 'idle', details: { listening: false } });
    actor.stop();
  });
});

describe('createHttpService: failures', () => {
  it('fails the start with a clear error naming the port when it is in use (EADDRINUSE)', async () => {
    const taken = await holdPort();
    try {
      const logger = createCapturingLogger();
      const stopped: string[] = [];
      const actor = createActor(
        createHttpService({
          id: 'api',
          port: taken.port,
          logger,
          serve: () => {},
          onStop: () => void stopped.push('onStop'),
        }),
      ).start();
      await reachState(actor, 'failed');
      const { lastError } = getTree(actor);
      expect(lastError?.message).toBe(
        `HTTP service "api" could not listen on 127.0.0.1:${taken.port}: the address is already in use (EADDRINUSE); stop whatever holds the port, choose another \`port\`, or use port 0 for a free one.`,
      );
      const logged = logger.find('onStart threw')[0]?.fields.err;
      expect(logged).toBeInstanceOf(ServerListenError);
      expect(logged).toMatchObject({
        code: 'SERVER_LISTEN_FAILED',
        systemCode: 'EADDRINUSE',
        port: taken.port,
        service: 'api',
      });
      // No onStart of the user's succeeded, so their onStop has nothing to pair with.
      expect(stopped).toEqual([]);
      actor.stop();
    } finally {
      await taken.close();
    }
  });

  it('keeps the port chosen for port 0 across a restart, and fails clearly when it was taken meanwhile', async () => {
    const logger = createCapturingLogger();
    const actor = createActor(
      createHttpService({ id: 'api', port: 0, logger, serve: (_req, res) => res.end('ok') }),
    ).start();
    try {
      await reachState(actor, 'running');
      const port = getTree(actor).details?.port as number;
      expect(port).toBeGreaterThan(0);

      actor.send({ type: 'service.stop' });
      await reachState(actor, 'stopped');
      actor.send({ type: 'service.start' });
      await reachState(actor, 'running');
      expect(getTree(actor)).toMatchObject({ generation: 1, details: { port, listening: true } });
      expect((await get(`http://127.0.0.1:${port}/`)).body).toBe('ok');

      actor.send({ type: 'service.stop' });
      await reachState(actor, 'stopped');
      const taken = await holdPort(port);
      try {
        actor.send({ type: 'service.start' });
        await reachState(actor, 'failed');
        expect(getTree(actor).lastError?.message).toBe(
          `HTTP service "api" could not listen on 127.0.0.1:${port} (chosen by the system at its first listen with \`port: 0\`, and kept so that its address does not change): the address is already in use (EADDRINUSE); stop whatever took the port meanwhile, or set a fixed \`port\` that nothing else uses.`,
        );
        expect(logger.find('onStart threw')[0]?.fields.err).toMatchObject({
          code: 'SERVER_LISTEN_FAILED',
          systemCode: 'EADDRINUSE',
          port,
          configuredPort: 0,
        });
      } finally {
        await taken.close();
      }
    } finally {
      actor.stop();
    }
  });

  it("still runs the user's onStop when the listen fails after their onStart succeeded", async () => {
    const taken = await holdPort();
    try {
      const log: string[] = [];
      const actor = createActor(
        createHttpService({
          id: 'api',
          port: taken.port,
          logger: createCapturingLogger(),
          serve: () => {},
          onStart: () => void log.push('onStart'),
          onStop: () => void log.push('onStop'),
        }),
      ).start();
      await reachState(actor, 'failed');
      expect(log).toEqual(['onStart', 'onStop']);
      actor.stop();
    } finally {
      await taken.close();
    }
  });

  it('answers 500 to a handler that throws or rejects, logs it, and counts no failure by default', async () => {
    const s = await start({
      serve: async (req, res) => {
        await delay(1);
        if (req.url === '/async') throw new Error('async boom');
        res.end('fine');
      },
    });
    const sync = await start({
      serve: () => {
        throw new Error('sync boom');
      },
    });
    expect(await get(`${urlOf(sync)}/sync`)).toMatchObject({
      status: 500,
      body: 'Internal Server Error\n',
    });
    expect(await get(`${urlOf(s)}/async`)).toMatchObject({ status: 500 });
    expect(await get(`${urlOf(s)}/other`)).toMatchObject({ status: 200, body: 'fine' });
    expect(sync.tree()).toMatchObject({ state: 'running', failures: 0 });
    expect(s.tree()).toMatchObject({ state: 'running', failures: 0 });
    const logged = s.logger.find('request handler threw; answered 500');
    expect(logged.map((e) => e.level)).toEqual(['error']);
    expect(logged[0]?.fields).toMatchObject({ service: 'api', method: 'GET', url: '/async' });
    expect(logged[0]?.fields.err).toMatchObject({ message: 'async boom' });
  });

  it('keeps serving, in the same generation, after more handler errors than maxFailures by default', async () => {
    // The case: every request to one buggy route used to count, so a few dozen of them
    // failed the service again and again until the root supervisor gave up.
    const s = await start({
      maxFailures: 1,
      serve: (req, res) => {
        if (req.url === '/buggy') throw new Error('buggy route');
        res.end('fine');
      },
    });
    for (let i = 0; i < 5; i++) {
      expect((await get(`${urlOf(s)}/buggy`)).status).toBe(500);
    }
    expect(await get(`${urlOf(s)}/other`)).toMatchObject({ status: 200, body: 'fine' });
    expect(s.tree()).toMatchObject({ state: 'running', generation: 0, failures: 0 });
    expect(s.logger.find('request handler threw; answered 500')).toHaveLength(5);
  });

  it('destroys the connection when the handler fails after the headers were sent', async () => {
    const s = await start({
      serve: async (_req, res) => {
        res.writeHead(200);
        res.write('half');
        await delay(5);
        throw new Error('late boom');
      },
    });
    await expect(get(urlOf(s))).rejects.toThrow();
    expect(s.logger.find('request handler threw; connection destroyed')).toHaveLength(1);
    expect(s.tree().failures).toBe(0);
  });

  it("counts handler failures as failures of the service with handlerErrors: 'count'", async () => {
    const s = await start({
      handlerErrors: 'count',
      serve: () => {
        throw new Error('boom');
      },
    });
    expect((await get(urlOf(s))).status).toBe(500);
    expect(s.tree()).toMatchObject({ state: 'running', failures: 1 });
    expect(s.tree().lastError?.message).toBe('boom');
    expect(s.logger.find('request handler threw; answered 500')).toHaveLength(1);
  });

  it("fails the service after maxFailures handler failures with handlerErrors: 'count', and frees the port", async () => {
    const s = await start({
      maxFailures: 1,
      handlerErrors: 'count',
      serve: () => {
        throw new Error('boom');
      },
    });
    const port = s.details().port as number;
    await get(urlOf(s));
    await get(urlOf(s));
    await reachState(s.actor, 'failed');
    // The failed generation's listener is closed: the port can be taken.
    const taken = await holdPort(port);
    await taken.close();
  });
});

describe('createHttpService: options', () => {
  const serve = () => {};
  const cases: [string, Record<string, unknown>, string][] = [
    ['port', { port: -1 }, 'an integer from 0 to 65535'],
    ['port', { port: 70_000 }, 'an integer from 0 to 65535'],
    ['port', { port: 80.5 }, 'an integer from 0 to 65535'],
    ['host', { host: '' }, 'a non-empty host name'],
    ['serve', { serve: 'app' }, 'a function'],
    ['keepAliveTimeout', { keepAliveTimeout: -1 }, 'milliseconds >= 0'],
    ['handlerErrors', { handlerErrors: 'ignore' }, "one of 'count', 'log'"],
    ['relistenDelay', { relistenDelay: Number.NaN }, 'milliseconds >= 0'],
    ['gracePeriod', { gracePeriod: -5 }, 'milliseconds >= 0'],
    ['id', { id: 'a b' }, 'letters, digits'],
  ];
  for (const [option, bad, expected] of cases) {
    it(`rejects an invalid \`${option}\` (${JSON.stringify(bad)}) with a ServiceConfigError naming it`, () => {
      const make = () => createHttpService({ id: 'api', serve, ...bad } as never);
      expect(make).toThrow(ServiceConfigError);
      expect(make).toThrow(expect.objectContaining({ option, code: 'SERVICE_CONFIG_INVALID' }));
      expect(make).toThrow(expected);
    });
  }

  it('rejects a missing serve', () => {
    expect(() => createHttpService({ id: 'api' } as never)).toThrow(
      expect.objectContaining({ option: 'serve' }),
    );
  });

  it('rejects unknown options, pacing ones included', () => {
    for (const option of ['prot', 'minPeriod', 'iterate']) {
      expect(() => createHttpService({ id: 'api', serve, [option]: 1 } as never)).toThrow(
        expect.objectContaining({ option, code: 'SERVICE_CONFIG_UNKNOWN_OPTION' }),
      );
    }
  });

  it('accepts reusePort only where Node has it (Node >= 22.12 / 23.1), with a clear error elsewhere', () => {
    const make = () => createHttpService({ id: 'api', serve, reusePort: true });
    if (reusePortSupported()) {
      expect(make).not.toThrow();
    } else {
      expect(make).toThrow(expect.objectContaining({ option: 'reusePort' }));
      expect(make).toThrow(/node:cluster/);
    }
    expect(reusePortSupported('20.19.0')).toBe(false);
    expect(reusePortSupported('22.11.0')).toBe(false);
    expect(reusePortSupported('22.12.0')).toBe(true);
    expect(reusePortSupported('23.0.0')).toBe(false);
    expect(reusePortSupported('23.1.0')).toBe(true);
    expect(reusePortSupported('24.0.0')).toBe(true);
  });
});

describeSupervised({
  make: (port) => createHttpService({ id: 'server', port, serve: (_req, res) => res.end('pong') }),
  probe: async (port) => (await get(`http://127.0.0.1:${port}/`)).body,
  answer: 'pong',
});
