/**
 * `POST /services/<path>/send` (SPEC §8): the JSON body is delivered as an event to the running
 * generation of a supervised actor (a real user machine whose state proves it), 202 with its
 * node; 409 when it does not run or is not `kind: 'actor'`; 400 for a body that is not an
 * event; 401, 403, 404, 405 and 413 as for every route.
 */
import { describe, expect, it } from 'vitest';
import { type AnyActorRef, assign, setup } from 'xstate';
import { createService, createSupervisor, supervise } from '../../src/index.ts';
import {
  bearer,
  closeServedAfterEach,
  eventually,
  expectError,
  http,
  nodeAt,
  post,
  serve,
} from './server-helpers.ts';

closeServedAfterEach();

const TOKEN = 'send-token';

/** A light switch: `flip` toggles it and records who flipped it; `explode` throws in an action. */
function lightSwitch(id: string) {
  return setup({
    types: {
      context: {} as { flips: number; by: string | null },
      events: {} as { type: 'flip'; by?: string } | { type: 'explode' },
    },
    actions: {
      record: assign({
        flips: ({ context }) => context.flips + 1,
        by: ({ event }) => ('by' in event ? (event.by ?? null) : null),
      }),
      explode: () => {
        throw new Error('the switch exploded');
      },
    },
  }).createMachine({
    id,
    context: { flips: 0, by: null },
    initial: 'off',
    on: { explode: { actions: 'explode' } },
    states: {
      off: { on: { flip: { target: 'on', actions: 'record' } } },
      on: { on: { flip: { target: 'off', actions: 'record' } } },
    },
  });
}

function tree() {
  return {
    id: 'root',
    children: [
      lightSwitch('switch'),
      createService({ id: 'svc', minPeriod: 10, iterate() {} }),
      createSupervisor({
        id: 'room',
        children: [supervise(lightSwitch('lamp'), { restart: 'permanent' })],
      }),
    ],
  };
}

function live(actor: AnyActorRef, systemId: string) {
  const child = actor.system.get(systemId) as AnyActorRef | undefined;
  if (!child) throw new Error(`no live actor "${systemId}"`);
  return child.getSnapshot() as { value: unknown; context: { flips: number; by: string | null } };
}

function send(url: string, path: string, body: string, token = TOKEN) {
  return http(url, 'POST', path, {
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body,
  });
}

describe('POST /services/<path>/send', () => {
  it('answers 202 with the node once delivered: the machine has taken the transition', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const answer = await post(s.url, '/services/switch/send', { type: 'flip', by: 'ops' }, TOKEN);
    expect(answer.status).toBe(202);
    expect(answer.json()).toMatchObject({
      id: 'switch',
      kind: 'actor',
      state: 'running',
      generation: 0,
      value: 'on',
    });
    expect(live(s.actor, 'switch')).toMatchObject({
      value: 'on',
      context: { flips: 1, by: 'ops' },
    });
    expect(nodeAt(s.actor, 'switch').value).toBe('on');
    const back = await post(s.url, '/services/switch/send', { type: 'flip' }, TOKEN);
    expect(back.status).toBe(202);
    expect(live(s.actor, 'switch')).toMatchObject({ value: 'off', context: { flips: 2 } });
  });

  it('reaches an actor under a nested supervisor by its path', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const answer = await post(s.url, '/services/room/lamp/send', { type: 'flip' }, TOKEN);
    expect(answer.status).toBe(202);
    expect(answer.json()).toMatchObject({ id: 'lamp', value: 'on' });
    expect(live(s.actor, 'room/lamp').value).toBe('on');
    expect(live(s.actor, 'switch').value).toBe('off');
  });

  it('answers 202 for an event the machine fails on, and the supervisor restarts it', async () => {
    const s = await serve(tree(), { token: TOKEN });
    await post(s.url, '/services/switch/send', { type: 'flip' }, TOKEN);
    const answer = await post(s.url, '/services/switch/send', { type: 'explode' }, TOKEN);
    expect(answer.status).toBe(202);
    await eventually(() =>
      expect(nodeAt(s.actor, 'switch')).toMatchObject({ state: 'running', generation: 1 }),
    );
    expect(live(s.actor, 'switch').value).toBe('off');
  });

  it('answers 401 without the token or with a wrong one, before resolving the path', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const flip = JSON.stringify({ type: 'flip' });
    const headers = { 'content-type': 'application/json' };
    const none = await http(s.url, 'POST', '/services/switch/send', { headers, body: flip });
    expectError(none, 401, 'UNAUTHORIZED');
    expectError(await send(s.url, '/services/switch/send', flip, 'wrong'), 401, 'UNAUTHORIZED');
    expectError(await send(s.url, '/services/nope/send', flip, 'wrong'), 401, 'UNAUTHORIZED');
    expect(live(s.actor, 'switch')).toMatchObject({ value: 'off', context: { flips: 0 } });
  });

  it('answers 404 UNKNOWN_CHILD for a path that names no child', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const flip = JSON.stringify({ type: 'flip' });
    expectError(await send(s.url, '/services/nope/send', flip), 404, 'UNKNOWN_CHILD');
    expectError(await send(s.url, '/services/room/nope/send', flip), 404, 'UNKNOWN_CHILD');
    expectError(await send(s.url, '/services/switch/lamp/send', flip), 404, 'UNKNOWN_CHILD');
    expectError(await send(s.url, '/services/send', flip), 404, 'NOT_FOUND');
  });

  it('answers 409 NOT_RUNNING for a stopped actor, and the event is not queued for its next generation', async () => {
    const s = await serve(tree(), { token: TOKEN });
    expect((await post(s.url, '/services/switch/stop', undefined, TOKEN)).status).toBe(200);
    const refused = await post(s.url, '/services/switch/send', { type: 'flip' }, TOKEN);
    expect(expectError(refused, 409, 'NOT_RUNNING')).toMatch(/"flip".*"switch".*stopped/);
    expect((await post(s.url, '/services/switch/start', undefined, TOKEN)).status).toBe(200);
    expect(nodeAt(s.actor, 'switch')).toMatchObject({ generation: 1, value: 'off' });
    expect(live(s.actor, 'switch').context.flips).toBe(0);
  });

  it('answers 409 NOT_AN_ACTOR for a service or a supervisor child', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const flip = JSON.stringify({ type: 'flip' });
    const service = await send(s.url, '/services/svc/send', flip);
    expect(expectError(service, 409, 'NOT_AN_ACTOR')).toMatch(/"svc".*service/);
    const supervisor = await send(s.url, '/services/room/send', flip);
    expect(expectError(supervisor, 409, 'NOT_AN_ACTOR')).toMatch(/"room".*supervisor/);
    expect(nodeAt(s.actor, 'svc')).toMatchObject({ state: 'running', generation: 0 });
  });

  it('answers 400 BAD_JSON for a body that is not JSON, and delivers nothing', async () => {
    const s = await serve(tree(), { token: TOKEN });
    expectError(await send(s.url, '/services/switch/send', '{"type":'), 400, 'BAD_JSON');
    expectError(await send(s.url, '/services/switch/send', 'flip'), 400, 'BAD_JSON');
    expect(live(s.actor, 'switch')).toMatchObject({ value: 'off', context: { flips: 0 } });
  });

  it('answers 400 INVALID_EVENT for an object without a string type, naming what it got', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const cases: [string, RegExp][] = [
      ['{}', /without `type`/],
      ['{"type":1}', /`type` is a number/],
      ['{"type":null}', /`type` is null/],
      ['{"kind":"flip"}', /without `type`/],
    ];
    for (const [body, got] of cases) {
      const message = expectError(
        await send(s.url, '/services/switch/send', body),
        400,
        'INVALID_EVENT',
      );
      expect(message).toMatch(/string `type`/);
      expect(message).toMatch(got);
    }
    expect(live(s.actor, 'switch')).toMatchObject({ value: 'off', context: { flips: 0 } });
  });

  it('answers 400 INVALID_EVENT for a body that is not an object, an empty one included', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const cases: [string, RegExp][] = [
      ['', /null/],
      ['null', /null/],
      ['"flip"', /a string/],
      ['42', /a number/],
      ['[{"type":"flip"}]', /an array/],
    ];
    for (const [body, got] of cases) {
      const message = expectError(
        await send(s.url, '/services/switch/send', body),
        400,
        'INVALID_EVENT',
      );
      expect(message).toMatch(got);
    }
    expect(live(s.actor, 'switch')).toMatchObject({ value: 'off', context: { flips: 0 } });
  });

  it("answers 400 RESERVED_EVENT for XState's own events: xstate.stop cannot kill the actor behind its supervisor", async () => {
    const s = await serve(tree(), { token: TOKEN });
    for (const type of [
      'xstate.stop',
      'xstate.init',
      'xstate.done.actor.x',
      'xstate.error.actor.x',
    ]) {
      const body = JSON.stringify({ type });
      expectError(await send(s.url, '/services/switch/send', body), 400, 'RESERVED_EVENT');
    }
    expect(nodeAt(s.actor, 'switch')).toMatchObject({ state: 'running', generation: 0 });
    expect((await post(s.url, '/services/switch/send', { type: 'flip' }, TOKEN)).status).toBe(202);
    expect(live(s.actor, 'switch').value).toBe('on');
  });

  it('answers 413 BODY_TOO_LARGE for a body over 1 MiB, and delivers nothing', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const big = JSON.stringify({ type: 'flip', by: 'x'.repeat(1024 * 1024) });
    expectError(await send(s.url, '/services/switch/send', big), 413, 'BODY_TOO_LARGE');
    expect(live(s.actor, 'switch')).toMatchObject({ value: 'off', context: { flips: 0 } });
  });

  it('answers 405 to any method but POST', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const answer = await http(s.url, 'GET', '/services/switch/send', { headers: bearer(TOKEN) });
    expectError(answer, 405, 'METHOD_NOT_ALLOWED');
    expect(answer.headers.allow).toBe('POST');
  });

  it('refuses a foreign Host or Origin with 403, the token notwithstanding', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const flip = JSON.stringify({ type: 'flip' });
    const headers = { 'content-type': 'application/json', ...bearer(TOKEN) };
    const origin = await http(s.url, 'POST', '/services/switch/send', {
      headers: { ...headers, origin: 'https://evil.example' },
      body: flip,
    });
    expectError(origin, 403, 'FORBIDDEN_ORIGIN');
    const host = await http(s.url, 'POST', '/services/switch/send', {
      headers: { ...headers, host: 'evil.example' },
      body: flip,
    });
    expectError(host, 403, 'FORBIDDEN_HOST');
    expect(live(s.actor, 'switch')).toMatchObject({ value: 'off', context: { flips: 0 } });
  });
});
