import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { createService, getTree, type Logger } from '../../src/index.ts';
import { advance, deferred, settle, sleep } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { launch } from '../helpers/service.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('an iteration that fails', () => {
  it('is logged as an error with the service id, generation, iteration and stack', async () => {
    const svc = launch({
      id: 'poller',
      pause: 100,
      iterate(ctx) {
        if (ctx.iteration === 1) throw new Error('upstream down');
      },
    });
    await advance(100);
    const errors = svc.logger.at('error');
    expect(errors).toHaveLength(1);
    const [entry] = errors;
    expect(entry?.msg).toBe('iteration failed');
    expect(entry?.fields).toMatchObject({ service: 'poller', generation: 0, iteration: 1 });
    const err = entry?.fields.err as Error;
    expect(err.message).toBe('upstream down');
    expect(err.stack).toContain('service-failures.test.ts');
    svc.actor.stop();
  });

  it('counts in ctx.iteration, and the loop goes on', async () => {
    const seen: number[] = [];
    const svc = launch({
      id: 'counting',
      pause: 10,
      iterate(ctx) {
        seen.push(ctx.iteration);
        if (ctx.iteration % 2 === 0) throw new Error(`even ${ctx.iteration}`);
      },
    });
    await advance(50);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(svc.tree()).toMatchObject({ state: 'running', iterations: 6, failures: 3 });
    svc.actor.stop();
  });

  it('counts a rejected promise like a throw', async () => {
    const svc = launch({
      id: 'rejecting',
      pause: 10,
      async iterate() {
        await sleep(1);
        throw new Error('async boom');
      },
    });
    // iteration 0: [0, 1], iteration 1: [11, 12]
    await advance(12);
    expect(svc.tree()).toMatchObject({ state: 'running', failures: 2, iterations: 2 });
    expect(svc.tree().lastError?.message).toBe('async boom');
    svc.actor.stop();
  });

  it.each([
    ['a string', 'plain string', 'plain string'],
    ['undefined', undefined, 'Non-error thrown: `undefined` (undefined)'],
    ['null', null, 'Non-error thrown: `null` (null)'],
    ['an object', { code: 42 }, 'Non-error thrown: `{"code":42}` (object)'],
  ])('counts a thrown %s as a failure with a readable message', async (_, thrown, message) => {
    const svc = launch({
      id: 'weird',
      pause: 100,
      iterate() {
        throw thrown;
      },
    });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'running', failures: 1 });
    expect(svc.tree().lastError?.message).toBe(message);
    expect(svc.tree().lastError?.stack).toBeTypeOf('string');
    svc.actor.stop();
  });

  it('counts a thenable whose then() throws as a failure', async () => {
    const svc = launch({
      id: 'bad-thenable',
      pause: 100,
      iterate() {
        return {
          // biome-ignore lint/suspicious/noThenProperty: a deliberately broken thenable
          then() {
            throw new Error('then exploded');
          },
        };
      },
    });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'running', failures: 1, iterations: 1 });
    svc.actor.stop();
  });
});

describe('maxFailures (SuperLoops max_loop_failures)', () => {
  it('moves the service to failed on the 4th failure with maxFailures 3', async () => {
    const onStop = vi.fn();
    const svc = launch({
      id: 'flaky',
      pause: 100,
      maxFailures: 3,
      iterate(ctx) {
        throw new Error(`failure #${ctx.iteration + 1}`);
      },
      onStop,
    });
    await advance(200);
    expect(svc.tree()).toMatchObject({ state: 'running', failures: 3 });
    await advance(100);
    expect(svc.tree()).toMatchObject({ state: 'failed', failures: 4, iterations: 4 });
    expect(svc.tree().lastError?.message).toBe('failure #4');
    expect(onStop).toHaveBeenCalledOnce();
    await advance(1_000);
    expect(svc.tree().iterations).toBe(4);
  });

  it('fails on the first failure with maxFailures 0', async () => {
    const svc = launch({
      id: 'strict',
      maxFailures: 0,
      iterate() {
        throw new Error('once is enough');
      },
    });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'failed', failures: 1 });
  });

  it('counts ctx.fail() like a throw', async () => {
    const after = vi.fn();
    const svc = launch({
      id: 'soft-fail',
      pause: 100,
      maxFailures: 1,
      iterate(ctx) {
        ctx.fail(new Error(`soft ${ctx.iteration}`));
        after();
      },
    });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'running', failures: 1 });
    expect(svc.logger.find('iteration failed')[0]?.fields).toMatchObject({
      service: 'soft-fail',
      iteration: 0,
    });
    await advance(100);
    expect(svc.tree()).toMatchObject({ state: 'failed', failures: 2, iterations: 2 });
    expect(svc.tree().lastError?.message).toBe('soft 1');
    // ctx.fail() does not throw: the iteration runs to its end.
    expect(after).toHaveBeenCalledTimes(2);
  });

  it('gives ctx.fail() without an error a message', async () => {
    const svc = launch({ id: 'bare-fail', pause: 100, iterate: (ctx) => ctx.fail() });
    await settle();
    expect(svc.tree().lastError?.message).toBe('ctx.fail() called');
    svc.actor.stop();
  });

  it('fails at once when ctx.fail() goes over the limit during a pause', async () => {
    let failLater: (() => void) | undefined;
    const svc = launch({
      id: 'fail-in-pause',
      pause: 10_000,
      maxFailures: 0,
      iterate(ctx) {
        failLater = () => ctx.fail(new Error('watchdog'));
      },
    });
    await advance(1_000);
    const before = Date.now();
    failLater?.();
    await settle();
    expect(svc.state()).toBe('failed');
    expect(Date.now()).toBe(before);
    expect(svc.tree().lastError?.message).toBe('watchdog');
  });

  it('starts counting again at 0 in each generation', async () => {
    const svc = launch({
      id: 'reset-count',
      pause: 100,
      maxFailures: 2,
      iterate() {
        throw new Error('always');
      },
    });
    await advance(200);
    expect(svc.tree()).toMatchObject({ state: 'failed', failures: 3, generation: 0 });
    svc.actor.send({ type: 'service.start' });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'running', failures: 1, generation: 1 });
    await advance(200);
    expect(svc.tree()).toMatchObject({ state: 'failed', failures: 3, generation: 1 });
  });
});

describe('a failure never kills the loop silently', () => {
  it('moves the service to failed when the failure cannot even be logged', async () => {
    const throwing: Logger = {
      debug() {},
      info() {},
      warn() {},
      error() {
        throw new Error('log sink is down');
      },
      child: () => throwing,
    };
    const actor = createActor(
      createService({
        id: 'unloggable',
        pause: 100,
        logger: throwing,
        iterate() {
          throw new Error('real problem');
        },
      }),
    ).start();
    await advance(1_000);
    expect(getTree(actor).state).toBe('failed');
  });

  it('keeps state and loop in step: while the state is running, iterations keep coming', async () => {
    const svc = launch({
      id: 'alive',
      pause: 50,
      maxFailures: 1_000,
      iterate(ctx) {
        if (ctx.iteration % 3 === 0) throw new Error('sometimes');
        if (ctx.iteration % 3 === 1) ctx.fail();
      },
    });
    for (let i = 1; i <= 10; i++) {
      await advance(50);
      expect(svc.tree()).toMatchObject({ state: 'running', iterations: i + 1 });
    }
    svc.actor.stop();
  });

  it('logs nothing at info level per iteration (the hot path)', async () => {
    const logger = createCapturingLogger();
    const actor = createActor(
      createService({ id: 'quiet', pause: 1, iterate() {}, logger }),
    ).start();
    await advance(100);
    expect(getTree(actor).iterations).toBeGreaterThan(40);
    expect(logger.entries.filter((e) => e.level !== 'debug')).toEqual([]);
    actor.stop();
  });
});

describe('service.fail', () => {
  it('moves a running service to failed through stopping, running onStop once', async () => {
    const onStop = vi.fn();
    const svc = launch({ id: 'told-to-fail', pause: 100, iterate() {}, onStop });
    await settle();
    svc.actor.send({ type: 'service.fail', error: new Error('operator says so') });
    await settle();
    expect(svc.state()).toBe('failed');
    expect(svc.tree().lastError?.message).toBe('operator says so');
    expect(onStop).toHaveBeenCalledOnce();
  });

  it('fails a service that is still starting once onStart has finished', async () => {
    const onStop = vi.fn();
    const started = deferred();
    const svc = launch({
      id: 'fail-while-starting',
      iterate() {},
      onStart: () => started.promise,
      onStop,
    });
    await settle();
    svc.actor.send({ type: 'service.fail' });
    started.resolve();
    await settle();
    expect(svc.state()).toBe('failed');
    expect(onStop).toHaveBeenCalledOnce();
  });
});
