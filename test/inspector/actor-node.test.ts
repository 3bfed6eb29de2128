/**
 * What the inspector feed says of a user's own machine under a supervisor (SPEC §8): the events
 * it accepts in its current state (the page's event box), its context as bounded JSON, its
 * invoked actors under it, and events sent through the inspector to the real control API.
 * Real actors, a real WebSocket feed and real HTTP on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AnyActorLogic, assign, createActor, fromCallback, fromPromise, setup } from 'xstate';
import {
  createControlServer,
  createInspectorServer,
  createSupervisor,
  silentLogger,
  supervise,
} from '../../src/index.ts';
import { acceptedEvents, boundedContext, CONTEXT_CHARS } from '../../src/inspector/actor-view.ts';
import { connectFeed, type Feed } from '../helpers/inspector-feed.ts';
import { reach } from '../helpers/supervisor.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A player: nested and parallel states, guards, delays, eventless and wildcard transitions. */
const player = setup({
  types: { context: {} as { volume: number; tracks: string[] } },
  guards: { loud: ({ context }) => context.volume > 5 },
  actors: { buffer: fromCallback(() => () => {}) },
}).createMachine({
  id: 'player',
  initial: 'stopped',
  context: { volume: 3, tracks: ['a', 'b'] },
  on: { 'player.reset': '.stopped', 'debug.*': {} },
  states: {
    stopped: {
      on: { 'player.play': 'playing', 'player.eject': { guard: 'loud', target: 'stopped' } },
    },
    playing: {
      type: 'parallel',
      invoke: { id: 'buffer', src: 'buffer' },
      after: { 60000: 'stopped' },
      on: {
        'player.stop': 'stopped',
        'volume.up': { actions: assign({ volume: ({ context }) => context.volume + 1 }) },
      },
      states: {
        audio: {
          initial: 'muted',
          states: {
            muted: { on: { 'audio.unmute': 'on' } },
            on: { always: { guard: 'loud', target: 'muted' }, on: { 'audio.mute': 'muted' } },
          },
        },
        video: { initial: 'off', states: { off: { on: { 'video.on': 'on' } }, on: {} } },
      },
    },
  },
});

async function supervised(
  logic: AnyActorLogic,
  options: { token?: string; restart?: 'permanent' | 'transient' } = {},
) {
  const root = createSupervisor({
    id: 'root',
    strategy: 'one-for-one',
    logger: silentLogger,
    children: [supervise(logic, { restart: options.restart ?? 'permanent' })],
  });
  const actor = createActor(root).start();
  cleanups.push(() => actor.stop());
  await reach(actor, 'running');
  const control = await createControlServer(actor, {
    logger: silentLogger,
    ...(options.token ? { token: options.token } : {}),
  });
  cleanups.push(() => control.close());
  const server = await createInspectorServer(actor, {
    logger: silentLogger,
    control: { url: control.url },
  });
  cleanups.push(() => server.close());
  const feed = await connectFeed(server.url);
  cleanups.push(() => feed.close());
  return { actor, server, feed };
}

const types = (feed: Feed, path: string) => feed.node(path)?.accepts?.map((e) => e.type);

describe('inspector: the events a user machine accepts now', () => {
  it('lists the events of its current state and its ancestors, each once, in machine order', async () => {
    const { actor, feed } = await supervised(player);
    expect(feed.node('player')).toMatchObject({ kind: 'actor', state: 'stopped' });
    expect(feed.node('player')!.accepts).toEqual([
      { type: 'player.play' },
      { type: 'player.eject', guards: ['loud'] },
      { type: 'player.reset' },
    ]);

    actor.send({ type: 'child.send', id: 'player', event: { type: 'player.play' } });
    // Both parallel regions' events, the parallel state's own, the root's; no delay, no
    // eventless transition, no wildcard.
    await feed.until(() => types(feed, 'player')?.includes('video.on') === true, 'playing');
    expect(types(feed, 'player')).toEqual([
      'audio.unmute',
      'player.stop',
      'volume.up',
      'player.reset',
      'video.on',
    ]);
  });

  it('offers nothing once the machine is not active', async () => {
    const finite = setup({}).createMachine({
      id: 'finite',
      initial: 'working',
      states: { working: { on: { 'work.done': 'done' } }, done: { type: 'final' } },
    });
    const { actor, feed } = await supervised(finite, { restart: 'transient' });
    expect(types(feed, 'finite')).toEqual(['work.done']);
    actor.send({ type: 'child.send', id: 'finite', event: { type: 'work.done' } });
    await feed.until(() => feed.node('finite')?.status !== 'active', 'finite ended');
    expect(feed.node('finite')!.status).toBe('done');
    expect(feed.node('finite')!.accepts).toEqual([]);
  });

  it('leaves out XState’s own events and gives nothing for logic that is not a machine', () => {
    const machine = setup({
      actors: { job: fromPromise(async () => 1) },
    }).createMachine({
      id: 'm',
      initial: 'a',
      states: {
        a: {
          invoke: { src: 'job', onDone: 'b', onError: 'b' },
          on: { '*': 'b', go: 'b' },
        },
        b: {},
      },
    });
    const actor = createActor(machine).start();
    expect(acceptedEvents(actor.getSnapshot())).toEqual([{ type: 'go' }]);
    actor.stop();
    const promise = createActor(fromPromise(async () => 1)).start();
    expect(acceptedEvents(promise.getSnapshot())).toEqual([]);
  });
});

describe('inspector: a user machine’s context and its own actors', () => {
  it('sends its context as JSON and follows its changes; its invoked actor is shown under it', async () => {
    const { actor, feed } = await supervised(player);
    expect(feed.node('player')!.context).toEqual({ volume: 3, tracks: ['a', 'b'] });
    actor.send({ type: 'child.send', id: 'player', event: { type: 'player.play' } });
    actor.send({ type: 'child.send', id: 'player', event: { type: 'volume.up' } });
    await feed.until(
      () => (feed.node('player')?.context as { volume?: number })?.volume === 4,
      'volume 4',
    );
    const buffer = [...feed.nodes.values()].find((n) => n.id === 'buffer');
    expect(buffer).toMatchObject({ kind: 'actor', parent: feed.node('player')!.key });
  });

  it('bounds a big or deep context: cut to text past the limit, deep parts elided', () => {
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } }, fn: function named() {} };
    expect(boundedContext({ context: deep })).toEqual({
      a: { b: { c: { d: { e: '[…]' } } } },
      fn: '[function named]',
    });
    const big = boundedContext({ context: { text: 'x'.repeat(CONTEXT_CHARS * 2) } });
    expect(typeof big).toBe('string');
    expect((big as string).length).toBe(CONTEXT_CHARS + 1);
    expect((big as string).endsWith('…')).toBe(true);
    expect(boundedContext({ status: 'active' })).toBeUndefined();
  });
});

describe('inspector: a supervised user machine’s generations', () => {
  it('shows the generation and the last error its supervisor keeps, across a restart', async () => {
    const fragile = setup({
      actions: {
        explode: () => {
          throw new Error('fuse blown');
        },
      },
    }).createMachine({
      id: 'fragile',
      initial: 'armed',
      states: { armed: { on: { 'fragile.boom': { actions: 'explode' } } } },
    });
    const { actor, feed } = await supervised(fragile);
    expect(feed.node('fragile')).toMatchObject({ generation: 0, failures: 0 });
    expect(feed.node('fragile')!.lastError).toBeUndefined();
    const first = feed.node('fragile')!.key;

    actor.send({ type: 'child.send', id: 'fragile', event: { type: 'fragile.boom' } });
    // The next generation is a new actor, so a new node at the same path.
    await feed.until(
      () => feed.node('fragile')?.generation === 1 && feed.node('fragile')?.status === 'active',
      'generation 1 running',
    );
    const next = feed.node('fragile')!;
    expect(next.key).not.toBe(first);
    expect(next.lastError?.message).toContain('fuse blown');
    expect(next.accepts).toEqual([{ type: 'fragile.boom' }]);
  });
});

describe('inspector: sending an event to a user machine through the inspector', () => {
  const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('forwards the body to the control API: 202 with the node, 400, 401, 403 and 409 as it answers', async () => {
    const auth = { authorization: 'Bearer s3cret' };
    const { actor, server, feed } = await supervised(player, { token: 's3cret' });
    const url = `${server.url}control/services/player/send`;

    expect((await post(url, '{"type":"player.play"}')).status).toBe(401);
    const sent = await post(url, '{"type":"player.play"}', auth);
    expect(sent.status).toBe(202);
    expect(await sent.json()).toMatchObject({
      id: 'player',
      kind: 'actor',
      value: { playing: { audio: 'muted', video: 'off' } },
    });
    await feed.until(() => types(feed, 'player')?.includes('player.stop') === true, 'playing');

    const bad = await post(url, '{"type": ', auth);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'BAD_JSON' } });
    const untyped = await post(url, '{"kind":"x"}', auth);
    expect(untyped.status).toBe(400);
    expect(await untyped.json()).toMatchObject({ error: { code: 'INVALID_EVENT' } });
    const csrf = await post(url, '{"type":"player.stop"}', {
      ...auth,
      origin: 'https://evil.example',
    });
    expect(csrf.status).toBe(403);

    actor.send({ type: 'child.stop', id: 'player' });
    await feed.until(() => feed.node('player')?.status === 'stopped', 'player stopped');
    const stopped = await post(url, '{"type":"player.stop"}', auth);
    expect(stopped.status).toBe(409);
    expect(await stopped.json()).toMatchObject({ error: { code: 'NOT_RUNNING' } });
  });
});
