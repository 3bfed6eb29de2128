/**
 * The inspector server and its feed, read the way the page reads them (over a real
 * WebSocket on 127.0.0.1), with real trees.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { type AnyActorRef, createActor, createMachine, fromCallback } from 'xstate';
import {
  createControlServer,
  createInspectorServer,
  createService,
  createSupervisor,
  getTree,
  type InspectorServer,
  type InspectorServerOptions,
  XstateSupervisorError,
} from '../../src/index.ts';
import { deferred } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { connectFeed, type Feed, feedUrl } from '../helpers/inspector-feed.ts';
import { nextReport, reach } from '../helpers/supervisor.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function quiet() {
  return createCapturingLogger();
}

function demoTree(options: { maxRestarts?: number } = {}) {
  const logger = quiet();
  const a = createService({ id: 'a', minPeriod: 5, maxFailures: 3, iterate() {} });
  const b = createService({ id: 'b', minPeriod: 5, iterate() {} });
  const nested = createSupervisor({ id: 'nested', strategy: 'one-for-one', children: [b] });
  const root = createSupervisor({
    id: 'root',
    strategy: 'rest-for-one',
    maxRestarts: options.maxRestarts ?? 50,
    restartWindow: 10_000,
    children: [a, nested],
    logger,
  });
  const actor = createActor(root).start();
  cleanups.push(() => actor.stop());
  return actor;
}

async function inspect(actor: AnyActorRef, options: InspectorServerOptions = {}) {
  const server = await createInspectorServer(actor, { logger: quiet(), ...options });
  cleanups.push(() => server.close());
  return server;
}

async function open(server: InspectorServer): Promise<Feed> {
  const feed = await connectFeed(server.url);
  cleanups.push(() => feed.close());
  return feed;
}

describe('inspector feed', () => {
  it('sends the whole tree on connect: kinds, states, paths, limits, options and machine charts', async () => {
    const actor = demoTree();
    await reach(actor, 'running');
    const feed = await open(await inspect(actor));
    const snap = feed.snapshot();

    expect(snap.protocol).toBe(1);
    expect(snap.title).toBe('root');
    const root = feed.node('')!;
    expect(root).toMatchObject({
      id: 'root',
      kind: 'supervisor',
      state: 'running',
      parent: null,
      strategy: 'rest-for-one',
      maxRestarts: 50,
      restartWindow: 10_000,
      controllable: false,
    });
    expect(feed.node('a')).toMatchObject({
      kind: 'service',
      state: 'running',
      generation: 0,
      failures: 0,
      maxFailures: 3,
      restart: 'permanent',
      parent: root.key,
      path: ['a'],
      controllable: true,
    });
    expect(feed.node('nested/b')).toMatchObject({
      kind: 'service',
      parent: feed.node('nested')!.key,
    });
    expect(feed.node('a')!.options).toMatchObject({ id: 'a', minPeriod: 5, maxFailures: 3 });
    expect(feed.node('nested')!.options).toMatchObject({ children: ['b'] });
    expect([...feed.nodes.values()].map((n) => n.path?.join('/'))).toEqual([
      '',
      'a',
      'nested',
      'nested/b',
    ]);

    // Both services share one drawing; supervisors have theirs.
    const chart = snap.machines.find((m) => m.key === feed.node('a')!.machine)!;
    expect(feed.node('nested/b')!.machine).toBe(chart.key);
    const states = chart.root.states.map((s) => s.key);
    expect(states).toEqual(
      expect.arrayContaining(['idle', 'starting', 'running', 'stopping', 'stopped', 'failed']),
    );
    const starting = chart.root.states.find((s) => s.key === 'starting')!;
    expect(starting.transitions.map((t) => t.event)).toEqual(
      expect.arrayContaining(['start.done']),
    );
    expect(chart.root.states.find((s) => s.key === 'running')!.states.length).toBeGreaterThan(0);
  });

  it('shows a page that connects late the latest state of every node and the reports so far', async () => {
    const actor = demoTree();
    await reach(actor, 'running');
    const server = await inspect(actor);
    const restarted = nextReport(actor, 'child.restarted', (r) => r.id === 'a');
    actor.send({ type: 'child.fail', id: 'a', error: new TypeError('upstream down') });
    await restarted;

    const feed = await open(server);
    expect(feed.node('a')).toMatchObject({ state: 'running', generation: 1 });
    expect(feed.node('a')!.lastError?.message).toBe('upstream down');
    const failed = feed.timeline.find(
      (t) => t.type === 'child.failed' && t.path.join('/') === 'a',
    )!;
    expect(failed.error).toMatchObject({ name: 'TypeError', message: 'upstream down' });
    expect(failed.error!.stack).toContain('TypeError: upstream down');
    expect(failed.key).toBe(feed.node('a')!.key);
    // rest-for-one: `nested` after `a` was restarted too.
    expect(feed.timeline.map((t) => `${t.type} ${t.path.join('/')}`)).toEqual(
      expect.arrayContaining(['child.failed a', 'child.restarted a', 'child.restarted nested']),
    );
  });

  it('sends a failure as a delta: state, generation and lastError change live', async () => {
    const actor = demoTree();
    await reach(actor, 'running');
    const feed = await open(await inspect(actor));
    const key = feed.node('nested/b')!.key;

    actor.send({ type: 'child.fail', id: 'nested', error: new Error('lease lost') });
    await feed.until(() => (feed.nodes.get(key)?.generation ?? 0) >= 1, 'b generation 1');
    await feed.until(() => feed.nodes.get(key)?.state === 'running', 'b running again');
    expect(feed.node('nested')!.lastError?.message).toBe('lease lost');
    expect(feed.messages.slice(1).every((m) => m.type === 'delta')).toBe(true);
    await feed.until(
      () =>
        feed.timeline.some((t) => t.type === 'child.restarted' && t.path.join('/') === 'nested'),
      'the restart report',
    );
  });

  it('keeps iteration counters current without any XState event', async () => {
    const actor = demoTree();
    await reach(actor, 'running');
    const feed = await open(await inspect(actor));
    const start = feed.node('a')!.iterations ?? 0;
    await feed.until(() => (feed.node('a')!.iterations ?? 0) > start + 5, 'iterations to go up');
  });

  it('batches a restart storm into a few messages and ends consistent with getTree()', async () => {
    const actor = demoTree({ maxRestarts: 1_000 });
    await reach(actor, 'running');
    const feed = await open(await inspect(actor));
    const before = feed.messages.length;
    let reports = 0;
    actor.on('*', () => reports++);
    for (let i = 0; i < 100; i++) {
      // rest-for-one: `nested` is restarted after `a`, last.
      const done = nextReport(actor, 'child.restarted', (r) => r.id === 'nested');
      actor.send({ type: 'child.fail', id: 'a', error: new Error(`storm ${i}`) });
      await done;
    }
    const final = getTree(actor);
    await feed.until(
      () => feed.node('a')!.generation === final.children![0]!.generation,
      'the last generation',
    );
    expect(reports).toBeGreaterThan(200);
    expect(feed.messages.length - before).toBeLessThan(reports / 4);
    // Every report is on the timeline, or counted as skipped when a batch had too many.
    await feed.until(
      () => feed.timeline.some((t) => t.type === 'child.failed' && t.reason === 'storm 99'),
      'the last failure on the timeline',
    );
    const skipped = feed.messages.reduce(
      (n, m) => n + (m.type === 'delta' ? m.timelineSkipped : 0),
      0,
    );
    const seen = feed.timeline.length - feed.snapshot().timeline.length;
    expect(seen + skipped).toBe(reports);
    await feed.until(
      () => feed.node('nested/b')!.generation === final.children![1]!.children![0]!.generation,
      'b to match getTree()',
    );
  });

  it("shows the user's own actors under their parent with their state value", async () => {
    const root = createSupervisor({
      id: 'root',
      children: [createService({ id: 'job', minPeriod: 10, iterate() {} })],
      logger: quiet(),
    });
    const app = createMachine({
      id: 'app',
      initial: 'booting',
      states: {
        booting: { on: { booted: 'serving' } },
        serving: {
          initial: 'healthy',
          states: { healthy: {}, degraded: {} },
          invoke: [
            { id: 'supervision', src: root },
            { id: 'heartbeat', src: fromCallback(() => () => {}) },
          ],
        },
      },
    });
    const actor = createActor(app).start();
    cleanups.push(() => actor.stop());
    const server = await inspect(actor);
    const feed = await open(server);
    expect(feed.snapshot().title).toBe('app');
    expect(feed.node('app')).toMatchObject({ kind: 'actor', state: 'booting', parent: null });

    actor.send({ type: 'booted' });
    await feed.until(() => feed.node('app')?.state === 'serving.healthy', 'app serving.healthy');
    await feed.until(() => feed.node('job')?.state === 'running', 'the job running');
    const appKey = feed.node('app')!.key;
    expect(feed.node('')).toMatchObject({
      kind: 'supervisor',
      id: 'root',
      parent: appKey,
      controllable: false,
    });
    expect(feed.node('heartbeat')).toMatchObject({
      kind: 'actor',
      parent: appKey,
      state: 'active',
    });
    expect(feed.node('job')).toMatchObject({ path: ['job'], parent: feed.node('')!.key });
    const appChart = feed.machines.get(feed.node('app')!.machine!)!;
    expect(appChart.root.states.map((s) => s.key)).toEqual(['booting', 'serving']);
    expect(appChart.root.states[0]!.transitions[0]).toMatchObject({
      event: 'booted',
      targets: ['app.serving'],
    });
  });

  it('records the XState events each node receives while a page is connected', async () => {
    const actor = demoTree();
    await reach(actor, 'running');
    const feed = await open(await inspect(actor));
    const key = feed.node('a')!.key;
    actor.send({ type: 'child.restart', id: 'a' });
    await feed.until(
      () => feed.events.some((e) => e.key === key && e.type === 'start.done'),
      'a start.done event',
    );
  });

  it('observes XState inspection events only while a page is connected', async () => {
    const actor = demoTree();
    await reach(actor, 'running');
    const system = actor.system as unknown as {
      inspect(o: unknown): { unsubscribe(): void };
    };
    const original = system.inspect.bind(system);
    let active = 0;
    system.inspect = (o: unknown) => {
      active++;
      const sub = original(o);
      return {
        unsubscribe() {
          active--;
          sub.unsubscribe();
        },
      };
    };
    const server = await inspect(actor);
    expect(active).toBe(0);
    const one = await connectFeed(server.url);
    const two = await connectFeed(server.url);
    expect(active).toBe(1);
    await one.close();
    await two.close();
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 2_000;
      const poll = () =>
        active === 0
          ? resolve()
          : Date.now() > deadline
            ? reject(new Error('still observing'))
            : setTimeout(poll, 5);
      poll();
    });
  });

  it("never sends a service's config values (secrets), only the names of its keys", async () => {
    const root = createSupervisor({
      id: 'root',
      logger: quiet(),
      children: [
        createService({
          id: 'api',
          minPeriod: 50,
          iterate() {},
          config: { values: { API_KEY: 'hunter2-secret' }, required: { API_KEY: 'string' } },
        }),
      ],
    });
    const actor = createActor(root).start();
    cleanups.push(() => actor.stop());
    await reach(actor, 'running');
    const feed = await open(await inspect(actor));
    await feed.until(() => feed.messages.length > 1, 'a delta');
    expect(JSON.stringify(feed.messages)).not.toContain('hunter2-secret');
    expect(feed.node('api')!.options).toMatchObject({ config: { required: ['API_KEY'] } });
  });

  it('keeps the reports of a supervisor the app invokes later, while no page is open', async () => {
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      logger: quiet(),
      children: [createService({ id: 'job', minPeriod: 50, iterate() {} })],
    });
    const app = createMachine({
      id: 'app',
      initial: 'booting',
      states: {
        booting: { on: { booted: 'serving' } },
        serving: { invoke: { id: 'supervision', src: root } },
      },
    });
    const actor = createActor(app).start();
    cleanups.push(() => actor.stop());
    const server = await inspect(actor);
    actor.send({ type: 'booted' });
    const supervision = actor.getSnapshot().children.supervision as AnyActorRef;
    // The inspector looks for new supervisors every 250 ms while no page is open: wait until
    // it listens to this one's reports, not for a stretch of real time a loaded machine may
    // stretch past its next look.
    const listening = deferred();
    const on = supervision.on.bind(supervision);
    supervision.on = ((type: string, handler: (event: unknown) => void) => {
      const subscription = on(type, handler);
      if (type === '*') listening.resolve();
      return subscription;
    }) as typeof supervision.on;
    await reach(supervision, 'running');
    await listening.promise;
    const restarted = nextReport(supervision, 'child.restarted');
    supervision.send({ type: 'child.fail', id: 'job', error: new Error('late') });
    await restarted;
    const feed = await open(server);
    expect(feed.timeline.map((t) => `${t.type} ${t.path.join('/')}`)).toEqual(
      expect.arrayContaining(['child.failed job', 'child.restarted job']),
    );
    expect(feed.timeline.find((t) => t.type === 'child.failed')!.key).toBe(feed.node('job')!.key);
  });

  it('tells two supervisors apart: reports go to the right node, buttons to the controlled one', async () => {
    const branch = (id: string) =>
      createSupervisor({
        id,
        strategy: 'one-for-one',
        logger: quiet(),
        children: [createService({ id: 'worker', minPeriod: 50, iterate() {} })],
      });
    const app = createMachine({
      id: 'app',
      invoke: [
        { id: 'mail', src: branch('mail') },
        { id: 'billing', src: branch('billing') },
      ],
    });
    const actor = createActor(app).start();
    cleanups.push(() => actor.stop());
    const mail = actor.getSnapshot().children.mail as AnyActorRef;
    const billing = actor.getSnapshot().children.billing as AnyActorRef;
    await reach(mail, 'running');
    await reach(billing, 'running');
    const control = await createControlServer(billing, { logger: quiet() });
    cleanups.push(() => control.close());
    const server = await inspect(actor, { control: { url: control.url, supervisor: billing } });
    const feed = await open(server);
    const workers = [...feed.nodes.values()].filter((n) => n.id === 'worker');
    const billingWorker = workers.find((n) => n.parent === billing.sessionId)!;
    const mailWorker = workers.find((n) => n.parent === mail.sessionId)!;
    expect(billingWorker.controllable).toBe(true);
    expect(mailWorker.controllable).toBe(false);

    const restarted = nextReport(billing, 'child.restarted');
    billing.send({ type: 'child.fail', id: 'worker', error: new Error('billing only') });
    await restarted;
    await feed.until(() => feed.timeline.some((t) => t.type === 'child.failed'), 'the failure');
    expect(feed.timeline.find((t) => t.type === 'child.failed')!.key).toBe(billingWorker.key);

    // Without `supervisor`, two top supervisors get no buttons at all (and a warning).
    const logger = quiet();
    const guessing = await inspect(actor, { control: { url: control.url }, logger });
    const none = await open(guessing);
    expect([...none.nodes.values()].some((n) => n.controllable)).toBe(false);
    expect(logger.find('no command buttons')).toHaveLength(1);
  });

  it('says when the recent events resume after a storm, even if nothing else changes', async () => {
    const app = createMachine({
      id: 'app',
      initial: 'on',
      states: { on: { on: { toggle: 'off' } }, off: { on: { toggle: 'on' } } },
    });
    const actor = createActor(app).start();
    cleanups.push(() => actor.stop());
    const feed = await open(await inspect(actor));
    // A burst of events: more than a batch may observe.
    for (let i = 0; i < 1_000; i++) actor.send({ type: 'toggle' });
    await feed.until(
      () => feed.messages.some((m) => m.type === 'delta' && m.eventsPaused),
      'events paused',
    );
    await feed.until(() => {
      const last = feed.messages.at(-1)!;
      return last.type === 'delta' && !last.eventsPaused;
    }, 'events resumed');
  });

  it('close() ends every page connection and stops listening', async () => {
    const actor = demoTree();
    const server = await createInspectorServer(actor, { logger: quiet() });
    const feed = await connectFeed(server.url);
    const closed = new Promise<void>((resolve) => {
      const ws = new WebSocket(feedUrl(server.url));
      ws.on('close', () => resolve());
      ws.on('error', () => {});
    });
    await server.close();
    await closed;
    await expect(fetch(server.url)).rejects.toThrow();
    await feed.close();
  });
  it('close() with a page open leaves no timer behind: a closed inspector stops looking for supervisors', async () => {
    // Only intervals are simulated: the sockets and the close handshake stay real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    cleanups.push(() => vi.useRealTimers());
    const actor = demoTree();
    const server = await createInspectorServer(actor, { logger: quiet() });
    const page = new WebSocket(feedUrl(server.url));
    page.on('error', () => {});
    const gone = new Promise<void>((resolve) => page.on('close', () => resolve()));
    await new Promise<void>((resolve) => page.once('message', () => resolve()));
    await server.close();
    await gone;
    // The server's end of the socket closes a turn or two of the event loop after ours.
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('inspector HTTP', () => {
  it('serves the built page', async () => {
    const server = await inspect(demoTree());
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('<script');
    expect((await fetch(`${server.url}nope.js`)).status).toBe(404);
    expect((await fetch(`${server.url}..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${server.url}%E0%A4%A`)).status).toBe(400);
  });

  it("forwards the page's commands to the control API, with the page's token", async () => {
    const actor = demoTree();
    await reach(actor, 'running');
    const control = await createControlServer(actor, { token: 's3cret', logger: quiet() });
    cleanups.push(() => control.close());
    const server = await inspect(actor, { control: { url: control.url } });
    const feed = await open(server);
    expect(feed.snapshot().control).toEqual({ enabled: true, tokenRequired: true });

    const url = `${server.url}control/services/nested/b/restart`;
    const refused = await fetch(url, { method: 'POST' });
    expect(refused.status).toBe(401);
    const done = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer s3cret' } });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ id: 'b', state: 'running', generation: 1 });
    const busy = await fetch(`${server.url}control/services/nested/b/start`, {
      method: 'POST',
      headers: { authorization: 'Bearer s3cret' },
    });
    expect(busy.status).toBe(409);
    expect((await fetch(url)).status).toBe(405);
    // Another site's page cannot command the tree through the inspector (CSRF).
    const csrf = await fetch(url, {
      method: 'POST',
      headers: { authorization: 'Bearer s3cret', origin: 'https://evil.example' },
    });
    expect(csrf.status).toBe(403);
    expect(await csrf.json()).toMatchObject({ error: { code: 'FORBIDDEN_ORIGIN' } });
  });

  it('answers 503 for commands when it has no control API, or the control API is gone', async () => {
    const actor = demoTree();
    const bare = await inspect(actor);
    const res = await fetch(`${bare.url}control/services/a/restart`, { method: 'POST' });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'CONTROL_DISABLED' } });

    const control = await createControlServer(actor, { logger: quiet() });
    const server = await inspect(actor, { control: { url: control.url } });
    expect((await open(server)).snapshot().control).toEqual({
      enabled: true,
      tokenRequired: false,
    });
    await control.close();
    const gone = await fetch(`${server.url}control/services/a/restart`, { method: 'POST' });
    expect(gone.status).toBe(503);
    expect(await gone.json()).toMatchObject({ error: { code: 'CONTROL_UNREACHABLE' } });
  });

  it('logs a page that leaves while its command runs at debug, not as an error', async () => {
    const gate = deferred();
    const stopping = deferred();
    const slow = createService({
      id: 'slow',
      minPeriod: 5,
      iterate() {},
      onStop: () => {
        stopping.resolve();
        return gate.promise;
      },
    });
    const actor = createActor(
      createSupervisor({ id: 'root', strategy: 'one-for-one', children: [slow], logger: quiet() }),
    ).start();
    cleanups.push(() => actor.stop());
    await reach(actor, 'running');
    const control = await createControlServer(actor, { logger: quiet() });
    cleanups.push(() => control.close());
    const logger = quiet();
    const server = await inspect(actor, { control: { url: control.url }, logger });
    const leaving = new AbortController();
    const sent = fetch(`${server.url}control/services/slow/restart`, {
      method: 'POST',
      signal: leaving.signal,
    }).catch(() => 'aborted');
    // The restart waits for onStop; the page goes away meanwhile.
    await stopping.promise;
    leaving.abort();
    expect(await sent).toBe('aborted');
    await vi.waitFor(() => expect(logger.find('aborted by the client')).toHaveLength(1));
    gate.resolve();
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it("refuses a WebSocket from another site's page, and requests naming another host", async () => {
    const server = await inspect(demoTree());
    await expect(connectFeed(server.url, { origin: 'https://evil.example' })).rejects.toThrow(
      /403/,
    );
    const page = await connectFeed(server.url, { origin: server.url.slice(0, -1) });
    await page.close();
    const status = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(server.url);
      const req = request(
        { host: '127.0.0.1', port, path: '/', headers: { host: 'rebound.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('rejects bad options at creation, naming the option', async () => {
    const actor = demoTree();
    const bad = (options: unknown) =>
      createInspectorServer(actor, options as InspectorServerOptions);
    await expect(bad({ prot: 1 })).rejects.toMatchObject({ code: 'INSPECTOR_OPTION_UNKNOWN' });
    await expect(bad({ port: 70_000 })).rejects.toThrow(
      /`port` to be an integer from 0 to 65535, got 70000/,
    );
    await expect(bad({ control: { url: 'nowhere' } })).rejects.toMatchObject({
      code: 'INSPECTOR_OPTION_INVALID',
      message: expect.stringContaining('control.url'),
    });
    await expect(bad({ stately: {} })).rejects.toThrow(XstateSupervisorError);
    await expect(bad({ batchInterval: 0 })).rejects.toThrow(/batchInterval/);
  });
});
