/**
 * `POST /actions/<path>/<name>` (SPEC §7): a service's own actions, called with the JSON body
 * and the running generation's context; `ActionError` answers on purpose, anything else is a
 * generic 500 whose details only go to the log.
 */
import { describe, expect, it } from 'vitest';
import {
  ActionError,
  createService,
  createSupervisor,
  type ServiceContext,
} from '../../src/index.ts';
import { closeServedAfterEach, expectError, post, serve } from './server-helpers.ts';

closeServedAfterEach();

const SECRET = 'password=hunter2 at db.internal:5432';

function tree() {
  return {
    id: 'root',
    strategy: 'one-for-one' as const,
    children: [
      createService({
        id: 'a',
        minPeriod: 10,
        iterate() {},
        actions: {
          echo: (data) => ({ echoed: data }),
          nothing: () => undefined,
          async later(data) {
            await new Promise((r) => setImmediate(r));
            return { later: data };
          },
          whoami: () => 'I am a',
          context: (_data, ctx: ServiceContext) => ({
            id: ctx.id,
            generation: ctx.generation,
            aborted: ctx.signal.aborted,
          }),
          teapot() {
            throw new ActionError(418, 'TEAPOT', 'I am a teapot, short and stout.');
          },
          async crash() {
            throw new Error(SECRET);
          },
          throwsString() {
            throw SECRET;
          },
          bigint: () => 10n,
        },
      }),
      createSupervisor({
        id: 'nested',
        strategy: 'one-for-one',
        children: [
          createService({
            id: 'leaf',
            minPeriod: 10,
            iterate() {},
            actions: { whoami: () => 'I am nested/leaf' },
          }),
          createService({ id: 'plain', minPeriod: 10, iterate() {} }),
        ],
      }),
    ],
  };
}

describe('POST /actions/<path>/<name>', () => {
  it('answers 200 with the JSON result of the action, called with the JSON body', async () => {
    const s = await serve(tree());
    const answer = await post(s.url, '/actions/a/echo', { n: 1, list: ['x', null] });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.json()).toEqual({ echoed: { n: 1, list: ['x', null] } });
  });

  it('gives the action null for an empty body', async () => {
    const s = await serve(tree());
    expect((await post(s.url, '/actions/a/echo')).json()).toEqual({ echoed: null });
  });

  it('awaits an async action', async () => {
    const s = await serve(tree());
    expect((await post(s.url, '/actions/a/later', 'x')).json()).toEqual({ later: 'x' });
  });

  it('answers null for an action that returns undefined', async () => {
    const s = await serve(tree());
    const answer = await post(s.url, '/actions/a/nothing');
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('null');
  });

  it('calls the action with the context of the running generation', async () => {
    const s = await serve(tree());
    const before = await post(s.url, '/actions/a/context');
    expect(before.json()).toEqual({ id: 'a', generation: 0, aborted: false });
    await post(s.url, '/services/a/restart');
    expect((await post(s.url, '/actions/a/context')).json()).toEqual({
      id: 'a',
      generation: 1,
      aborted: false,
    });
    await post(s.url, '/services/a/hard-reset');
    expect((await post(s.url, '/actions/a/context')).json()).toMatchObject({ generation: 2 });
  });

  it('keeps actions to their own service: the same name answers differently', async () => {
    const s = await serve(tree());
    expect((await post(s.url, '/actions/a/whoami')).json()).toBe('I am a');
    expect((await post(s.url, '/actions/nested/leaf/whoami')).json()).toBe('I am nested/leaf');
    // A service without that action does not borrow a sibling's.
    expectError(await post(s.url, '/actions/nested/plain/whoami'), 404, 'UNKNOWN_ACTION');
    expectError(await post(s.url, '/actions/nested/leaf/echo'), 404, 'UNKNOWN_ACTION');
  });

  it('answers an ActionError with its status, code and message', async () => {
    const s = await serve(tree());
    const answer = await post(s.url, '/actions/a/teapot');
    const message = expectError(answer, 418, 'TEAPOT');
    expect(message).toBe('I am a teapot, short and stout.');
    expect(s.logger.at('error')).toEqual([]);
  });

  it('answers any other error with a generic 500; its message and stack only go to the log', async () => {
    const s = await serve(tree());
    const answer = await post(s.url, '/actions/a/crash');
    const message = expectError(answer, 500, 'INTERNAL');
    expect(message).not.toContain('hunter2');
    expect(answer.text).not.toContain('hunter2');
    expect(answer.text).not.toContain('server-actions.test');
    const logged = s.logger.find('action failed');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.level).toBe('error');
    expect(logged[0]?.fields).toMatchObject({ path: 'a', action: 'crash' });
    const err = logged[0]?.fields.err as Error;
    expect(err.message).toBe(SECRET);
    expect(err.stack).toContain('server-actions.test.ts');
  });

  it('answers a generic 500 for a thrown non-Error too, logging its text', async () => {
    const s = await serve(tree());
    const answer = await post(s.url, '/actions/a/throwsString');
    expectError(answer, 500, 'INTERNAL');
    expect(answer.text).not.toContain('hunter2');
    const err = s.logger.find('action failed')[0]?.fields.err as Error | undefined;
    expect(err?.message).toContain('hunter2');
  });

  it('answers 500 for a result that is not JSON, and keeps serving', async () => {
    const s = await serve(tree());
    expectError(await post(s.url, '/actions/a/bigint'), 500, 'INTERNAL');
    expect(s.logger.at('error')).toHaveLength(1);
    expect((await post(s.url, '/actions/a/whoami')).status).toBe(200);
  });

  it('an action failing leaves its service running, in the same generation', async () => {
    const s = await serve(tree());
    await post(s.url, '/actions/a/crash');
    await post(s.url, '/actions/a/teapot');
    expect((await post(s.url, '/actions/a/context')).json()).toMatchObject({ generation: 0 });
  });

  it('answers 409 while the service is stopped, and calls it again once started', async () => {
    const s = await serve(tree());
    await post(s.url, '/services/a/stop');
    const message = expectError(await post(s.url, '/actions/a/whoami'), 409, 'NOT_RUNNING');
    expect(message).toContain('stopped');
    await post(s.url, '/services/a/start');
    expect((await post(s.url, '/actions/a/whoami')).json()).toBe('I am a');
  });

  it('answers 404 for an unknown action, an inherited property, or an unknown service', async () => {
    const s = await serve(tree());
    expectError(await post(s.url, '/actions/a/nope'), 404, 'UNKNOWN_ACTION');
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expectError(await post(s.url, `/actions/a/${name}`), 404, 'UNKNOWN_ACTION');
    }
    expectError(await post(s.url, '/actions/nope/whoami'), 404, 'UNKNOWN_CHILD');
    expectError(await post(s.url, '/actions/nested/whoami'), 404, 'UNKNOWN_ACTION');
    expectError(await post(s.url, '/actions/a'), 404, 'NOT_FOUND');
  });
});
