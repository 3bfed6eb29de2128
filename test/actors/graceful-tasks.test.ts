import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { CommandError, createService, getTree, type ServiceContext } from '../../src/index.ts';
import { advance, settle, sleep } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { launch } from '../helpers/service.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Rejects with the signal's reason once it is aborted, `after` ms later. */
function untilAborted(signal: AbortSignal, after = 0): Promise<never> {
  return new Promise<never>((_, reject) => {
    signal.addEventListener(
      'abort',
      () => {
        if (after > 0) setTimeout(() => reject(signal.reason), after);
        else reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Records unhandled rejections for the duration of a test. */
function watchUnhandled(): { readonly seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', listener);
  return { seen, stop: () => process.off('unhandledRejection', listener) };
}

describe('graceful tasks on stop', () => {
  it('awaits a cancel: false task, then runs onStop after it', async () => {
    const log: string[] = [];
    let taskSignal: AbortSignal | undefined;
    const svc = launch({
      id: 'awaits',
      pause: 100,
      gracePeriod: 10_000,
      iterate(ctx) {
        if (ctx.iteration > 0) return;
        void ctx.task(async (signal) => {
          taskSignal = signal;
          await sleep(3_000);
          log.push('task done');
        });
      },
      onStop: () => {
        log.push('onStop');
      },
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(2_999);
    expect(svc.state()).toBe('stopping');
    expect(log).toEqual([]);
    expect(taskSignal?.aborted).toBe(false);
    await advance(1);
    expect(log).toEqual(['task done', 'onStop']);
    expect(svc.state()).toBe('stopped');
    expect(svc.logger.find('graceful tasks')).toEqual([]);
  });

  it('aborts a cancel: true task at once and completes the stop as soon as it settles', async () => {
    let taskSignal: AbortSignal | undefined;
    const onStop = vi.fn();
    const svc = launch({
      id: 'cancels',
      pause: 100,
      gracePeriod: 10_000,
      iterate(ctx) {
        if (ctx.iteration > 0) return;
        void ctx.task(
          (signal) => {
            taskSignal = signal;
            return untilAborted(signal, 200);
          },
          { cancel: true },
        );
      },
      onStop,
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(taskSignal?.aborted).toBe(true);
    expect((taskSignal?.reason as Error | undefined)?.name).toBe('AbortError');
    await advance(199);
    expect(svc.state()).toBe('stopping');
    expect(onStop).not.toHaveBeenCalled();
    await advance(1);
    expect(svc.state()).toBe('stopped');
    expect(onStop).toHaveBeenCalledOnce();
    // The AbortError it rejected with is what it was asked to do, not a failure.
    expect(svc.tree()).toMatchObject({ failures: 0 });
    expect(svc.logger.at('error')).toEqual([]);
  });

  it('aborts a cancel: true task at once even while the iteration in flight awaits it', async () => {
    const svc = launch({
      id: 'awaited-cancel',
      gracePeriod: 5_000,
      async iterate(ctx) {
        // The iteration ignores ctx.signal: only the task's own signal can end it.
        await ctx.task((signal) => untilAborted(signal), { cancel: true });
      },
    });
    await advance(1_000);
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.state()).toBe('stopped');
    expect(svc.tree()).toMatchObject({ failures: 0 });
    expect(svc.logger.find('generation killed')).toEqual([]);
  });

  it('bounds the wait by gracefulWaitTimeout, then aborts the tasks still running (cancelOnTimeout)', async () => {
    let taskSignal: AbortSignal | undefined;
    const onStop = vi.fn();
    const svc = launch({
      id: 'timeout',
      pause: 100,
      gracePeriod: 10_000,
      gracefulWaitTimeout: 1_000,
      iterate(ctx) {
        if (ctx.iteration > 0) return;
        void ctx.task((signal) => {
          taskSignal = signal;
          return Promise.race([sleep(60_000), untilAborted(signal)]);
        });
      },
      onStop,
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(999);
    expect(svc.state()).toBe('stopping');
    expect(taskSignal?.aborted).toBe(false);
    await advance(1);
    expect(taskSignal?.aborted).toBe(true);
    expect(svc.state()).toBe('stopped');
    expect(onStop).toHaveBeenCalledOnce();
    const [warning] = svc.logger.find('graceful tasks still running');
    expect(warning?.level).toBe('warn');
    expect(warning?.fields).toMatchObject({ service: 'timeout', cancelled: true, timeout: 1_000 });
    expect(svc.tree()).toMatchObject({ failures: 0 });
    expect(svc.logger.find('generation killed')).toEqual([]);
  });

  it('leaves the tasks running when cancelOnTimeout is false: fenced, with a warning', async () => {
    let taskSignal: AbortSignal | undefined;
    const unhandled = watchUnhandled();
    const svc = launch({
      id: 'left',
      pause: 100,
      gracePeriod: 10_000,
      gracefulWaitTimeout: 1_000,
      cancelOnTimeout: false,
      iterate(ctx) {
        if (ctx.iteration > 0) return;
        void ctx.task(async (signal) => {
          taskSignal = signal;
          await sleep(5_000);
          throw new Error('finished late and badly');
        });
      },
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(1_000);
    expect(svc.state()).toBe('stopped');
    expect(taskSignal?.aborted).toBe(false);
    const [warning] = svc.logger.find('left running, fenced');
    expect(warning?.level).toBe('warn');
    expect(warning?.fields).toMatchObject({ cancelled: false, pending: 1 });
    // Its late failure reaches nothing: the stop is over.
    await advance(4_000);
    expect(svc.tree()).toMatchObject({ state: 'stopped', failures: 0 });
    expect(svc.tree().lastError).toBeUndefined();
    expect(svc.logger.find('graceful task failed')).toEqual([]);
    unhandled.stop();
    expect(unhandled.seen).toEqual([]);
  });

  it('keeps the whole stop within gracePeriod: tasks still running then get the generation killed', async () => {
    let taskSignal: AbortSignal | undefined;
    const onStop = vi.fn();
    const svc = launch({
      id: 'bounded',
      gracePeriod: 1_000,
      gracefulWaitTimeout: 60_000,
      async iterate(ctx) {
        if (ctx.iteration > 0) return;
        // Ignores every signal and runs for 10 s.
        void ctx.task((signal) => {
          taskSignal = signal;
          return sleep(10_000);
        });
        await sleep(600); // the iteration in flight uses 600 ms of the grace period
      },
      pause: 100,
      onStop,
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(999);
    expect(svc.state()).toBe('stopping');
    await advance(1);
    expect(svc.state()).toBe('stopped');
    expect(taskSignal?.aborted).toBe(true);
    expect(onStop).toHaveBeenCalledOnce(); // the pairing holds even for a killed generation
    const [killed] = svc.logger.find('generation killed');
    expect(killed?.level).toBe('warn');
    expect(killed?.fields).toMatchObject({ code: 'KILLED', gracePeriod: expect.any(Number) });
  });

  it('aborts every task of a generation killed because its iteration overran gracePeriod', async () => {
    const signals: AbortSignal[] = [];
    const svc = launch({
      id: 'killed',
      gracePeriod: 500,
      async iterate(ctx) {
        void ctx.task((signal) => {
          signals.push(signal);
          return sleep(60_000);
        });
        await sleep(10_000);
      },
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(500);
    expect(svc.state()).toBe('stopped');
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
  });
});

describe('graceful task failures', () => {
  it('counts a task that rejects as a failure when nobody awaits it (failures + 1, logged)', async () => {
    const unhandled = watchUnhandled();
    const svc = launch({
      id: 'unawaited',
      pause: 1_000,
      iterate(ctx) {
        if (ctx.iteration > 0) return;
        ctx.task(async () => {
          await sleep(10);
          throw new Error('background boom');
        });
      },
    });
    await advance(10);
    expect(svc.tree()).toMatchObject({ state: 'running', failures: 1 });
    expect(svc.tree().lastError?.message).toBe('background boom');
    const [entry] = svc.logger.find('graceful task failed');
    expect(entry?.level).toBe('error');
    expect(entry?.fields).toMatchObject({ service: 'unawaited', generation: 0, failures: 1 });
    expect((entry?.fields.err as Error | undefined)?.message).toBe('background boom');
    vi.useRealTimers();
    await new Promise((resolve) => setImmediate(resolve));
    unhandled.stop();
    expect(unhandled.seen).toEqual([]);
    svc.actor.stop();
  });

  it('counts a task that rejects once when the iteration awaits it and rethrows', async () => {
    const svc = launch({
      id: 'awaited',
      pause: 1_000,
      async iterate(ctx) {
        if (ctx.iteration > 0) return;
        await ctx.task(async () => {
          throw new Error('awaited boom');
        });
      },
    });
    await settle();
    expect(svc.tree()).toMatchObject({ failures: 1 });
    expect(svc.logger.find('graceful task failed')).toHaveLength(1);
    expect(svc.logger.find('iteration failed')).toEqual([]);
    svc.actor.stop();
  });

  it('fails the service when task failures exceed maxFailures', async () => {
    const svc = launch({
      id: 'too-many',
      pause: 1_000,
      maxFailures: 1,
      iterate(ctx) {
        ctx.task(() => Promise.reject(new Error(`task ${ctx.iteration} failed`)));
      },
    });
    await advance(1_000);
    expect(svc.tree()).toMatchObject({ state: 'failed', failures: 2 });
    expect(svc.tree().lastError?.message).toBe('task 1 failed');
  });

  it('does not count an AbortError from a task that gave up because ctx.signal was aborted', async () => {
    const svc = launch({
      id: 'ctx-signal',
      pause: 100,
      iterate(ctx) {
        if (ctx.iteration > 0) return;
        // cancel: false, but the task listens to the generation's signal instead of its own.
        void ctx.task(() => untilAborted(ctx.signal));
      },
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'stopped', failures: 0 });
    expect(svc.logger.at('error')).toEqual([]);
  });

  it('counts an AbortError the service did not ask for (a task aborting itself) as a failure', async () => {
    const svc = launch({
      id: 'self-abort',
      pause: 1_000,
      iterate(ctx) {
        if (ctx.iteration > 0) return;
        void ctx.task(() => Promise.reject(new DOMException('upstream gave up', 'AbortError')));
      },
    });
    await settle();
    expect(svc.tree()).toMatchObject({ failures: 1 });
    svc.actor.stop();
  });
});

describe('graceful tasks belong to their service instance and generation', () => {
  it('keeps the tasks of two actors of one service apart: a stop waits for and aborts only its own', async () => {
    const logger = createCapturingLogger();
    const done: string[] = [];
    const signals = new Map<string, AbortSignal>();
    let n = 0;
    const machine = createService({
      id: 'shared',
      pause: 100,
      logger,
      onStart(ctx) {
        const name = `actor ${n++}`;
        const ms = name === 'actor 0' ? 1_000 : 5_000;
        void ctx.task(async (signal) => {
          signals.set(name, signal);
          await sleep(ms);
          done.push(name);
        });
      },
      iterate() {},
    });
    const a = createActor(machine).start();
    const b = createActor(machine).start();
    await settle();
    a.send({ type: 'service.stop' });
    await advance(1_000);
    expect(getTree(a).state).toBe('stopped'); // did not wait for b's 5 s task
    expect(done).toEqual(['actor 0']);
    expect(getTree(b).state).toBe('running');
    expect(signals.get('actor 1')?.aborted).toBe(false);
    b.stop();
  });

  it('keeps the tasks of two services apart', async () => {
    const signals: Record<string, AbortSignal> = {};
    const make = (id: string) =>
      launch({
        id,
        pause: 100,
        iterate(ctx) {
          if (ctx.iteration > 0) return;
          void ctx.task(
            (signal) => {
              signals[id] = signal;
              return untilAborted(signal);
            },
            { cancel: true },
          );
        },
      });
    const one = make('one');
    const two = make('two');
    await settle();
    one.actor.send({ type: 'service.stop' });
    await settle();
    expect(one.state()).toBe('stopped');
    expect(signals.one?.aborted).toBe(true);
    expect(signals.two?.aborted).toBe(false);
    two.actor.stop();
  });

  it('keeps the tasks of two generations apart: the next stop does not wait for the previous generation', async () => {
    const signals: AbortSignal[] = [];
    const svc = launch({
      id: 'generations',
      pause: 100,
      gracePeriod: 60_000,
      gracefulWaitTimeout: 500,
      cancelOnTimeout: false,
      iterate(ctx) {
        if (ctx.iteration > 0) return;
        const ms = ctx.generation === 0 ? 30_000 : 100;
        void ctx.task(async (signal) => {
          signals[ctx.generation] = signal;
          await sleep(ms);
          throw new Error(`generation ${ctx.generation} task failed late`);
        });
      },
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(500); // generation 0's task is left running, fenced
    expect(svc.state()).toBe('stopped');
    svc.actor.send({ type: 'service.start' });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'running', generation: 1 });
    svc.actor.send({ type: 'service.stop' });
    await advance(100);
    // Stopped as soon as its own 100 ms task ended, not after generation 0's.
    expect(svc.state()).toBe('stopped');
    expect(signals[0]?.aborted).toBe(false);
    expect(svc.tree()).toMatchObject({ generation: 1, failures: 1 });
    await advance(30_000); // generation 0's task fails now: it counts for no one
    expect(svc.tree()).toMatchObject({ generation: 1, failures: 1 });
    expect(svc.tree().lastError?.message).toBe('generation 1 task failed late');
  });

  it('aborts the old generation’s tasks on a hard reset; the new generation starts its own', async () => {
    const signals: AbortSignal[] = [];
    const svc = launch({
      id: 'hard-reset',
      pause: 100,
      iterate(ctx) {
        if (ctx.iteration > 0) return;
        void ctx.task((signal) => {
          signals[ctx.generation] = signal;
          return untilAborted(signal);
        });
      },
    });
    await settle();
    expect(signals).toHaveLength(1);
    svc.actor.send({ type: 'service.hard-reset' });
    await settle();
    expect(signals[0]?.aborted).toBe(true);
    expect(svc.tree()).toMatchObject({ state: 'running', generation: 1, failures: 0 });
    expect(signals[1]?.aborted).toBe(false);
    svc.actor.stop();
  });
});

describe('ctx.task() outside a running generation', () => {
  it('rejects ctx.task() during stopping (in onStop) without running the function', async () => {
    const fn = vi.fn();
    let rejection: unknown;
    const svc = launch({
      id: 'late',
      pause: 100,
      iterate() {},
      async onStop(ctx) {
        rejection = await ctx.task(fn).catch((e: unknown) => e);
      },
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.state()).toBe('stopped');
    expect(fn).not.toHaveBeenCalled();
    expect(rejection).toBeInstanceOf(CommandError);
    expect((rejection as CommandError).code).toBe('NOT_RUNNING');
    expect((rejection as Error).message).toContain('"late"');
  });

  it('rejects ctx.task() on a context kept from a stopped generation', async () => {
    let kept: ServiceContext | undefined;
    const svc = launch({
      id: 'kept',
      pause: 100,
      iterate(ctx) {
        kept = ctx;
      },
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await settle();
    await expect(kept!.task(() => 1)).rejects.toThrow(/stopping/);
  });

  it('lets onStart start a task, which the stop then awaits', async () => {
    const log: string[] = [];
    const svc = launch({
      id: 'from-onstart',
      pause: 100,
      onStart(ctx) {
        void ctx.task(async () => {
          await sleep(300);
          log.push('warm-up done');
        });
      },
      iterate() {},
      onStop: () => {
        log.push('onStop');
      },
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(300);
    expect(log).toEqual(['warm-up done', 'onStop']);
  });

  it('aborts the tasks of an onStart that then throws: the generation never ran', async () => {
    let taskSignal: AbortSignal | undefined;
    const svc = launch({
      id: 'start-fails',
      iterate() {},
      async onStart(ctx) {
        void ctx.task((signal) => {
          taskSignal = signal;
          return sleep(60_000);
        });
        await sleep(10);
        throw new Error('no database');
      },
    });
    await advance(10);
    expect(svc.state()).toBe('failed');
    expect(taskSignal?.aborted).toBe(true);
  });

  it('aborts the tasks of an onStart that vetoes the start', async () => {
    let taskSignal: AbortSignal | undefined;
    const svc = launch({
      id: 'vetoed',
      iterate() {},
      onStart(ctx) {
        void ctx.task((signal) => {
          taskSignal = signal;
          return sleep(60_000);
        });
        return false;
      },
    });
    await settle();
    expect(svc.state()).toBe('idle');
    expect(taskSignal?.aborted).toBe(true);
  });
});
