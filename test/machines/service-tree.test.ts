import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, waitFor } from 'xstate';
import {
  createService,
  createSupervisor,
  getTree,
  type ServiceContext,
  shutdown,
  silentLogger,
} from '../../src/index.ts';
import { advance, settle } from '../helpers/async.ts';
import { launch } from '../helpers/service.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('generations', () => {
  it('counts 0, 1, 2 across service.stop + service.start and service.hard-reset', async () => {
    const generations = new Set<number>();
    const onStart = vi.fn();
    const svc = launch({
      id: 'gens',
      pause: 100,
      iterate(ctx) {
        generations.add(ctx.generation);
      },
      onStart,
    });
    await settle();
    expect(svc.tree().generation).toBe(0);
    svc.actor.send({ type: 'service.stop' });
    await settle();
    svc.actor.send({ type: 'service.start' });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'running', generation: 1 });
    svc.actor.send({ type: 'service.hard-reset' });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'running', generation: 2 });
    expect([...generations]).toEqual([0, 1, 2]);
    expect(onStart.mock.calls.map(([ctx]) => (ctx as ServiceContext).generation)).toEqual([0, 1]);
    svc.actor.stop();
  });

  it('starts again from failed as the next generation with fresh counters', async () => {
    let broken = true;
    const svc = launch({
      id: 'phoenix',
      pause: 10,
      maxFailures: 0,
      iterate() {
        if (broken) throw new Error('broken');
      },
    });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'failed', generation: 0, failures: 1 });
    broken = false;
    svc.actor.send({ type: 'service.start' });
    await advance(25);
    expect(svc.tree()).toMatchObject({
      state: 'running',
      generation: 1,
      failures: 0,
      iterations: 3,
    });
    svc.actor.stop();
  });
});

describe('getTree on a lone service', () => {
  it('shows id, kind, state, generation, iterations, failures and restarts', async () => {
    const svc = launch({ id: 'tree', pause: 100, iterate() {} });
    await advance(250);
    expect(svc.tree()).toEqual({
      id: 'tree',
      kind: 'service',
      state: 'running',
      generation: 0,
      iterations: 3,
      failures: 0,
      restarts: 0,
    });
    svc.actor.stop();
  });

  it('shows the latest failure as lastError { message, stack, at }', async () => {
    const svc = launch({
      id: 'tree-err',
      pause: 100,
      iterate(ctx) {
        throw new Error(`failure ${ctx.iteration}`);
      },
    });
    await advance(100);
    const { lastError } = svc.tree();
    expect(lastError?.message).toBe('failure 1');
    expect(lastError?.stack).toContain('failure 1');
    expect(lastError?.stack).toContain('service-tree.test.ts');
    expect(lastError?.at).toBe(Date.now());
    expect(svc.tree().failures).toBe(2);
    svc.actor.stop();
  });

  it('is JSON-safe', async () => {
    const svc = launch({
      id: 'json',
      pause: 100,
      iterate() {
        throw new Error('x');
      },
    });
    await settle();
    const tree = svc.tree();
    expect(JSON.parse(JSON.stringify(tree))).toEqual(tree);
    svc.actor.stop();
  });

  it('shows the counters of the current generation only', async () => {
    const svc = launch({
      id: 'per-gen',
      pause: 100,
      iterate(ctx) {
        if (ctx.generation === 0) ctx.fail(new Error('first gen'));
      },
    });
    await advance(200);
    expect(svc.tree()).toMatchObject({ generation: 0, iterations: 3, failures: 3 });
    svc.actor.send({ type: 'service.stop' });
    await settle();
    svc.actor.send({ type: 'service.start' });
    await settle();
    expect(svc.tree()).toMatchObject({ generation: 1, iterations: 1, failures: 0 });
    // lastError is the latest failure, whichever generation it was in.
    expect(svc.tree().lastError?.message).toBe('first gen');
    svc.actor.stop();
  });

  it('shows a stopped service as stopped', async () => {
    const svc = launch({ id: 'done', pause: 100, iterate: (ctx) => ctx.stop() });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'stopped', iterations: 1 });
  });
});

describe('provide() on a service or supervisor machine', () => {
  it('keeps the options and the child spec, alone and under a supervisor', async () => {
    vi.useRealTimers();
    let ran = 0;
    const provided = createService({
      id: 'provided',
      minPeriod: 5,
      logger: silentLogger,
      iterate() {
        ran++;
      },
    }).provide({});
    expect(provided.id).toBe('provided');
    const alone = createActor(provided).start();
    await waitFor(alone, (s) => s.matches('running'));
    await shutdown(alone);
    const root = createSupervisor({
      id: 'root',
      children: [provided],
      logger: silentLogger,
    }).provide({});
    const actor = createActor(root).start();
    await waitFor(actor, (s) => s.matches('running'));
    expect(getTree(actor).children?.[0]).toMatchObject({ id: 'provided', state: 'running' });
    await shutdown(actor);
    expect(ran).toBeGreaterThan(0);
  });
});
