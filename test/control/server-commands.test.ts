/**
 * `POST /services/<path>/<command>` (SPEC §7): answers the child's node once the command has
 * completed, 409 when it is impossible now, 404 for an unknown path or command; concurrent
 * commands on one service are never lost nor doubled.
 */
import { describe, expect, it } from 'vitest';
import { createService, createSupervisor, getTree, type TreeNode } from '../../src/index.ts';
import { deferred } from '../helpers/async.ts';
import {
  closeServedAfterEach,
  eventually,
  expectError,
  http,
  nodeAt,
  post,
  serve,
} from './server-helpers.ts';

closeServedAfterEach();

function counted(id: string, calls: string[], options: { onStop?: () => unknown } = {}) {
  return createService({
    id,
    minPeriod: 10,
    iterate() {},
    onStart: (ctx) => {
      calls.push(`onStart ${id}@${ctx.generation}`);
    },
    onStop: async (ctx) => {
      calls.push(`onStop ${id}@${ctx.generation}`);
      await options.onStop?.();
    },
  });
}

function tree(calls: string[] = []) {
  return {
    id: 'root',
    strategy: 'one-for-one' as const,
    children: [
      counted('a', calls),
      createService({ id: 'my-svc.v2', minPeriod: 10, iterate() {} }),
      createSupervisor({
        id: 'nested',
        strategy: 'one-for-one',
        children: [counted('leaf', calls)],
      }),
    ],
  };
}

describe('POST /services/<path>/<command>', () => {
  it('restart answers 200 with the node once restarted, a generation later', async () => {
    const calls: string[] = [];
    const s = await serve(tree(calls));
    const answer = await post(s.url, '/services/a/restart');
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({
      id: 'a',
      kind: 'service',
      state: 'running',
      generation: 1,
    });
    // The same node, but for the iterations the service ran since it answered.
    const { iterations: _answered, ...answered } = answer.json() as Record<string, unknown>;
    const { iterations: _now, ...now } = nodeAt(s.actor, 'a');
    expect(answered).toEqual(now);
    expect(calls).toEqual(['onStart a@0', 'onStart leaf@0', 'onStop a@0', 'onStart a@1']);
  });

  it('stop answers the stopped node, and start a new generation', async () => {
    const s = await serve(tree());
    const stopped = await post(s.url, '/services/a/stop');
    expect(stopped.status).toBe(200);
    expect(stopped.json()).toMatchObject({ id: 'a', state: 'stopped', generation: 0 });
    expect(nodeAt(s.actor, 'a').state).toBe('stopped');
    const started = await post(s.url, '/services/a/start');
    expect(started.status).toBe(200);
    expect(started.json()).toMatchObject({ id: 'a', state: 'running', generation: 1 });
  });

  it('hard-reset starts the next generation without running onStop or onStart', async () => {
    const calls: string[] = [];
    const s = await serve(tree(calls));
    const answer = await post(s.url, '/services/a/hard-reset');
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ id: 'a', state: 'running', generation: 1 });
    expect(calls).toEqual(['onStart a@0', 'onStart leaf@0']);
  });

  it('fail answers once the supervisor has restarted the child, and counts a restart', async () => {
    const s = await serve(tree());
    const answer = await post(s.url, '/services/a/fail');
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({
      id: 'a',
      state: 'running',
      generation: 1,
      lastError: { message: expect.stringContaining('child.fail') },
    });
    expect(getTree(s.actor).restarts).toBe(1);
  });

  it('reaches a nested service by its path (nested/leaf)', async () => {
    const s = await serve(tree());
    const answer = await post(s.url, '/services/nested/leaf/restart');
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ id: 'leaf', state: 'running', generation: 1 });
    expect(nodeAt(s.actor, 'nested/leaf').generation).toBe(1);
    expect(nodeAt(s.actor, 'nested').generation).toBe(0);
  });

  it('commands a nested supervisor, answering its node with its children', async () => {
    const s = await serve(tree());
    const answer = await post(s.url, '/services/nested/restart');
    expect(answer.status).toBe(200);
    const node = answer.json() as TreeNode;
    expect(node).toMatchObject({ id: 'nested', kind: 'supervisor', generation: 1 });
    expect(node.children).toEqual([expect.objectContaining({ id: 'leaf', state: 'running' })]);
  });

  it('decodes URL-encoded ids', async () => {
    const s = await serve(tree());
    const answer = await post(s.url, '/services/my%2Dsvc%2Ev2/restart');
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ id: 'my-svc.v2', generation: 1 });
    const nested = await post(s.url, '/services/%6Eested/le%61f/restart');
    expect(nested.json()).toMatchObject({ id: 'leaf', generation: 1 });
  });

  it('takes an encoded slash as part of an id, not as a separator (404)', async () => {
    const s = await serve(tree());
    expectError(await post(s.url, '/services/nested%2Fleaf/restart'), 404, 'UNKNOWN_CHILD');
    expect(nodeAt(s.actor, 'nested/leaf').generation).toBe(0);
  });

  it('answers 409 for stopping a stopped child', async () => {
    const s = await serve(tree());
    expect((await post(s.url, '/services/a/stop')).status).toBe(200);
    const message = expectError(await post(s.url, '/services/a/stop'), 409, 'ALREADY_STOPPED');
    expect(message).toContain('"a"');
  });

  it('answers 409 for starting a running child, or hard-resetting a stopped one', async () => {
    const s = await serve(tree());
    expectError(await post(s.url, '/services/a/start'), 409, 'ALREADY_RUNNING');
    await post(s.url, '/services/a/stop');
    expectError(await post(s.url, '/services/a/hard-reset'), 409, 'NOT_RUNNING');
    expectError(await post(s.url, '/services/a/fail'), 409, 'NOT_RUNNING');
    expect(nodeAt(s.actor, 'a')).toMatchObject({ state: 'stopped', generation: 0 });
  });

  it('answers 409 for a command on a child busy with another', async () => {
    const gate = deferred();
    const s = await serve({
      id: 'root',
      strategy: 'one-for-one',
      children: [counted('slow', [], { onStop: () => gate.promise })],
    });
    const stopping = post(s.url, '/services/slow/stop');
    await eventually(() => expect(nodeAt(s.actor, 'slow').state).toBe('stopping'));
    expectError(await post(s.url, '/services/slow/restart'), 409, 'CHILD_BUSY');
    expectError(await post(s.url, '/services/slow/stop'), 409, 'CHILD_BUSY');
    gate.resolve();
    const stopped = await stopping;
    expect(stopped.status).toBe(200);
    expect(stopped.json()).toMatchObject({ state: 'stopped', generation: 0 });
    // Free again once the first command completed.
    expect((await post(s.url, '/services/slow/start')).json()).toMatchObject({ generation: 1 });
  });

  it('answers 409 once the supervisor itself is not running', async () => {
    const s = await serve({ id: 'root', maxRestarts: 0, children: [counted('a', [])] });
    expect((await post(s.url, '/services/a/fail')).status).toBe(200);
    expect(getTree(s.actor).state).toBe('failed');
    expectError(await post(s.url, '/services/a/restart'), 409, 'SUPERVISOR_NOT_RUNNING');
  });

  it('answers 404 for an unknown path, at any depth', async () => {
    const s = await serve(tree());
    expectError(await post(s.url, '/services/nope/restart'), 404, 'UNKNOWN_CHILD');
    expectError(await post(s.url, '/services/nested/nope/restart'), 404, 'UNKNOWN_CHILD');
    expectError(await post(s.url, '/services/a/leaf/restart'), 404, 'UNKNOWN_CHILD');
    expectError(await post(s.url, '/services/nope/leaf/restart'), 404, 'UNKNOWN_CHILD');
  });

  it('answers 404 for an unknown command, and changes nothing', async () => {
    const s = await serve(tree());
    for (const command of ['explode', 'child.restart', 'RESTART', 'remove', 'add']) {
      expectError(await post(s.url, `/services/a/${command}`), 404, 'UNKNOWN_COMMAND');
    }
    expect(nodeAt(s.actor, 'a')).toMatchObject({ state: 'running', generation: 0 });
  });

  it('answers 404 without a command or a path', async () => {
    const s = await serve(tree());
    expectError(await post(s.url, '/services/a'), 404, 'NOT_FOUND');
    expectError(await post(s.url, '/services'), 404, 'NOT_FOUND');
  });
});

describe('concurrent commands on the same service', () => {
  /** Sends `n` requests at once, each on its own connection. */
  async function burst(url: string, path: string, n: number) {
    const answers = await Promise.all(Array.from({ length: n }, () => http(url, 'POST', path)));
    return {
      ok: answers.filter((a) => a.status === 200),
      refused: answers.filter((a) => a.status !== 200),
    };
  }

  it('20 restarts at once: the final generation is the number of 200 answers', async () => {
    const s = await serve(tree());
    const { ok, refused } = await burst(s.url, '/services/a/restart', 20);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const answer of refused) expectError(answer, 409, 'CHILD_BUSY');
    expect(ok.length + refused.length).toBe(20);
    expect(nodeAt(s.actor, 'a')).toMatchObject({ state: 'running', generation: ok.length });
    // Every 200 answered a distinct generation: no restart was lost or doubled.
    const generations = ok.map((a) => (a.json() as TreeNode).generation).sort((x, y) => x - y);
    expect(generations).toEqual(Array.from({ length: ok.length }, (_, i) => i + 1));
  });

  it('20 hard-resets at once on a nested service: likewise', async () => {
    const s = await serve(tree());
    const { ok, refused } = await burst(s.url, '/services/nested/leaf/hard-reset', 20);
    for (const answer of refused) expectError(answer, 409, 'CHILD_BUSY');
    expect(nodeAt(s.actor, 'nested/leaf').generation).toBe(ok.length);
  });

  it('20 restarts while the first is still stopping: exactly one 200, nineteen 409', async () => {
    const calls: string[] = [];
    const gate = deferred();
    const s = await serve({
      id: 'root',
      strategy: 'one-for-one',
      children: [counted('slow', calls, { onStop: () => gate.promise })],
    });
    let answered = 0;
    const requests = Array.from({ length: 20 }, () =>
      http(s.url, 'POST', '/services/slow/restart').finally(() => {
        answered++;
      }),
    );
    // The 19 refusals come back while the first restart still waits on onStop.
    await eventually(() => expect(answered).toBe(19));
    expect(nodeAt(s.actor, 'slow').state).toBe('stopping');
    gate.resolve();
    const answers = await Promise.all(requests);
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 200)) {
      expectError(answer, 409, 'CHILD_BUSY');
    }
    expect(nodeAt(s.actor, 'slow')).toMatchObject({ state: 'running', generation: 1 });
    expect(calls).toEqual(['onStart slow@0', 'onStop slow@0', 'onStart slow@1']);
  });
});
