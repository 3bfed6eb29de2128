import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { createService, getTree, type ServiceContext } from '../../src/index.ts';
import { advance, settle, sleep } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { launch } from '../helpers/service.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a lone service actor', () => {
  it('starts at once and goes idle → starting → running', async () => {
    const states: string[] = [];
    const logger = createCapturingLogger();
    const actor = createActor(createService({ id: 'lone', pause: 100, iterate() {}, logger }));
    actor.subscribe((s) => states.push(JSON.stringify(s.value)));
    actor.start();
    await settle();
    expect(states[0]).toBe('"starting"');
    expect(states).toContain('{"running":"looping"}');
    expect(getTree(actor).state).toBe('running');
    actor.stop();
  });

  it('runs a finite service (countdown calling ctx.stop()) exactly 3 times and reaches stopped', async () => {
    const seen: number[] = [];
    const onStop = vi.fn();
    const svc = launch({
      id: 'countdown',
      pause: 10,
      iterate(ctx) {
        seen.push(ctx.iteration);
        if (ctx.iteration === 2) ctx.stop();
      },
      onStop,
    });
    await advance(20);
    expect(svc.state()).toBe('stopped');
    expect(seen).toEqual([0, 1, 2]);
    expect(svc.tree()).toMatchObject({ state: 'stopped', iterations: 3, failures: 0 });
    expect(onStop).toHaveBeenCalledOnce();
    await advance(1_000);
    expect(seen).toEqual([0, 1, 2]);
  });

  it('ends the loop after the iteration that calls ctx.stop(), which runs to its end (no deadlock)', async () => {
    const events: string[] = [];
    const svc = launch({
      id: 'self-stop',
      async iterate(ctx) {
        events.push(`start ${ctx.iteration}`);
        ctx.stop();
        await sleep(100);
        events.push(`end ${ctx.iteration}`);
      },
      onStop: () => {
        events.push('onStop');
      },
    });
    await advance(50);
    expect(svc.state()).toBe('running');
    await advance(50);
    expect(svc.state()).toBe('stopped');
    expect(events).toEqual(['start 0', 'end 0', 'onStop']);
  });

  it('does not abort ctx.signal when the iteration itself calls ctx.stop() until that iteration ends', async () => {
    let abortedInside: boolean | undefined;
    const svc = launch({
      id: 'self-stop-signal',
      async iterate(ctx) {
        ctx.stop();
        await sleep(10);
        abortedInside = ctx.signal.aborted;
      },
    });
    await advance(10);
    expect(abortedInside).toBe(false);
    expect(svc.state()).toBe('stopped');
  });

  it('gives every hook the service id, the generation and a live signal', async () => {
    let seen: Pick<ServiceContext, 'id' | 'generation' | 'iteration'> | undefined;
    let signalAtStart: boolean | undefined;
    const svc = launch({
      id: 'ctx-check',
      pause: 100,
      onStart(ctx) {
        signalAtStart = ctx.signal.aborted;
      },
      iterate(ctx) {
        seen = { id: ctx.id, generation: ctx.generation, iteration: ctx.iteration };
      },
    });
    await settle();
    expect(signalAtStart).toBe(false);
    expect(seen).toEqual({ id: 'ctx-check', generation: 0, iteration: 0 });
    svc.actor.stop();
  });
});

describe('onStart', () => {
  it('is called once when service.start is sent twice', async () => {
    const onStart = vi.fn();
    const logger = createCapturingLogger();
    const actor = createActor(
      createService({ id: 'twice', pause: 100, iterate() {}, onStart, logger }),
    );
    actor.start();
    actor.send({ type: 'service.start' });
    actor.send({ type: 'service.start' });
    await settle();
    actor.send({ type: 'service.start' });
    await settle();
    expect(onStart).toHaveBeenCalledOnce();
    expect(getTree(actor)).toMatchObject({ state: 'running', generation: 0 });
    actor.stop();
  });

  it('vetoes the start by returning false: no iteration runs and the state is idle', async () => {
    const iterate = vi.fn();
    const onStop = vi.fn();
    const svc = launch({ id: 'veto', iterate, onStart: () => false, onStop });
    await advance(1_000);
    expect(svc.state()).toBe('idle');
    expect(iterate).not.toHaveBeenCalled();
    expect(onStop).not.toHaveBeenCalled();
    expect(svc.tree()).toMatchObject({ generation: 0, iterations: 0 });
  });

  it('vetoes the start by returning a promise of false', async () => {
    const iterate = vi.fn();
    const svc = launch({
      id: 'veto-async',
      iterate,
      async onStart() {
        await sleep(50);
        return false;
      },
    });
    await advance(49);
    expect(svc.state()).toBe('starting');
    await advance(1_000);
    expect(svc.state()).toBe('idle');
    expect(iterate).not.toHaveBeenCalled();
  });

  it('can be tried again after a veto, as generation 0 (a vetoed start is not a start)', async () => {
    let allow = false;
    const generations: number[] = [];
    const svc = launch({
      id: 'veto-then-go',
      pause: 100,
      iterate(ctx) {
        generations.push(ctx.generation);
      },
      onStart: () => allow,
    });
    await settle();
    expect(svc.state()).toBe('idle');
    allow = true;
    svc.actor.send({ type: 'service.start' });
    await settle();
    expect(svc.state()).toBe('running');
    expect(generations).toEqual([0]);
    svc.actor.stop();
  });

  it('fails the start when it throws: the state is failed and onStop never runs', async () => {
    const iterate = vi.fn();
    const onStop = vi.fn();
    const svc = launch({
      id: 'bad-start',
      iterate,
      onStart() {
        throw new Error('cannot connect');
      },
      onStop,
    });
    await advance(100);
    expect(svc.state()).toBe('failed');
    expect(iterate).not.toHaveBeenCalled();
    expect(onStop).not.toHaveBeenCalled();
    expect(svc.tree().lastError?.message).toBe('cannot connect');
    const [entry] = svc.logger.find('onStart threw');
    expect(entry?.level).toBe('error');
    expect(entry?.fields).toMatchObject({ service: 'bad-start', generation: 0 });
  });

  it('fails the start when it rejects', async () => {
    const svc = launch({
      id: 'bad-start-async',
      iterate() {},
      async onStart() {
        await sleep(10);
        throw new Error('late no');
      },
    });
    await advance(10);
    expect(svc.state()).toBe('failed');
    expect(svc.tree().lastError?.message).toBe('late no');
  });

  it('honours a stop sent while onStart runs: onStop runs once, no iteration, state stopped', async () => {
    const iterate = vi.fn();
    const onStop = vi.fn();
    const svc = launch({
      id: 'stop-while-starting',
      iterate,
      async onStart() {
        await sleep(100);
      },
      onStop,
    });
    await advance(10);
    svc.actor.send({ type: 'service.stop' });
    await advance(100);
    expect(svc.state()).toBe('stopped');
    expect(iterate).not.toHaveBeenCalled();
    expect(onStop).toHaveBeenCalledOnce();
  });
});

describe('onStop', () => {
  it('runs after the in-flight iteration has ended and ctx.signal was aborted', async () => {
    const events: string[] = [];
    const svc = launch({
      id: 'ordered',
      async iterate(ctx) {
        events.push('iteration start');
        await sleep(100);
        events.push(`iteration end, aborted=${ctx.signal.aborted}`);
      },
      onStop(ctx) {
        events.push(`onStop, aborted=${ctx.signal.aborted}`);
      },
    });
    await advance(20);
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.state()).toBe('stopping');
    await advance(80);
    expect(svc.state()).toBe('stopped');
    expect(events).toEqual([
      'iteration start',
      'iteration end, aborted=true',
      'onStop, aborted=true',
    ]);
  });

  it('is logged when it throws, and the stop completes', async () => {
    const svc = launch({
      id: 'bad-stop',
      pause: 100,
      iterate() {},
      onStop() {
        throw new Error('close failed');
      },
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.state()).toBe('stopped');
    const [entry] = svc.logger.find('onStop threw');
    expect(entry?.level).toBe('error');
    expect((entry?.fields.err as Error | undefined)?.message).toBe('close failed');
    expect(entry?.fields.service).toBe('bad-stop');
  });

  it('is logged when it rejects, and the stop completes', async () => {
    const svc = launch({
      id: 'bad-stop-async',
      pause: 100,
      iterate() {},
      async onStop() {
        await sleep(10);
        throw new Error('late close failed');
      },
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(10);
    expect(svc.state()).toBe('stopped');
    expect(svc.logger.find('onStop threw')).toHaveLength(1);
  });
});

describe('the iteration context', () => {
  it('can be destructured: signal, stop and fail keep working', async () => {
    const { createActor: create, waitFor } = await import('xstate');
    const { createService: make, getTree: tree, silentLogger } = await import('../../src/index.ts');
    const seen: boolean[] = [];
    const actor = create(
      make({
        id: 'destructured',
        maxFailures: 5,
        logger: silentLogger,
        iterate({ signal, stop, fail, iteration }) {
          seen.push(signal.aborted);
          if (iteration === 0) fail(new Error('counted'));
          if (iteration === 1) stop();
        },
      }),
    ).start();
    await waitFor(actor, (s) => s.matches('stopped'));
    expect(seen).toEqual([false, false]);
    expect(tree(actor)).toMatchObject({ iterations: 2, failures: 1 });
  });
});
