import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { createService, getTree, type ServiceContext } from '../../src/index.ts';
import { advance, settle, sleep } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { launch, stubborn } from '../helpers/service.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('service.hard-reset', () => {
  it('gives way to a stop that arrives during the reset: no new generation starts afterwards', async () => {
    const contexts: ServiceContext[] = [];
    const log: string[] = [];
    const svc = launch({
      id: 'reset-then-stop',
      gracePeriod: 1_000,
      iterate: stubborn(5_000, contexts, log),
    });
    await settle();
    svc.actor.send({ type: 'service.hard-reset' });
    await advance(10);
    svc.actor.send({ type: 'service.stop' });
    await advance(6_000);
    expect(svc.tree()).toMatchObject({ state: 'stopped', generation: 0 });
    expect(log.filter((l) => l.startsWith('gen 1'))).toEqual([]);
    svc.actor.send({ type: 'service.start' });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'running', generation: 1 });
    svc.actor.stop();
  });

  it('leaves the graceful tasks of a generation a stop took over during the reset to that stop', async () => {
    let outcome = 'pending';
    const svc = launch({
      id: 'reset-stop-task',
      pause: 60_000,
      gracePeriod: 1_000,
      iterate(ctx) {
        if (ctx.generation !== 0 || ctx.iteration !== 0) return;
        ctx
          .task(async (signal) => {
            await new Promise<void>((resolve, reject) => {
              const t = setTimeout(resolve, 100);
              signal.addEventListener('abort', () => {
                clearTimeout(t);
                reject(new Error('aborted'));
              });
            });
            outcome = 'finished';
          })
          .catch((e: Error) => {
            outcome = `aborted: ${e.message}`;
          });
      },
    });
    await advance(20);
    svc.actor.send({ type: 'service.hard-reset' });
    svc.actor.send({ type: 'service.stop' });
    await advance(300);
    expect(outcome).toBe('finished');
    expect(svc.tree()).toMatchObject({ state: 'stopped', generation: 0 });
    svc.actor.stop();
  });

  it('aborts ctx.signal, starts the next generation at once and keeps the state running', async () => {
    const states: string[] = [];
    const aborted: boolean[] = [];
    const generations: number[] = [];
    const svc = launch({
      id: 'reset-me',
      pause: 10_000,
      iterate(ctx) {
        generations.push(ctx.generation);
        ctx.signal.addEventListener('abort', () => aborted.push(true));
      },
    });
    svc.actor.subscribe(() => states.push(getTree(svc.actor).state));
    await advance(1_000);
    expect(generations).toEqual([0]);
    const before = Date.now();
    svc.actor.send({ type: 'service.hard-reset' });
    await settle();
    expect(aborted).toEqual([true]);
    expect(generations).toEqual([0, 1]);
    expect(Date.now()).toBe(before);
    expect(states.every((s) => s === 'running')).toBe(true);
    expect(svc.tree()).toMatchObject({ state: 'running', generation: 1, iterations: 1 });
    svc.actor.stop();
  });

  it('does not call onStart or onStop, and the pairing still holds at the final stop', async () => {
    const calls: string[] = [];
    const svc = launch({
      id: 'reset-hooks',
      pause: 100,
      iterate() {},
      onStart: (ctx) => {
        calls.push(`onStart ${ctx.generation}`);
      },
      onStop: (ctx) => {
        calls.push(`onStop ${ctx.generation}`);
      },
    });
    await settle();
    svc.actor.send({ type: 'service.hard-reset' });
    await settle();
    svc.actor.send({ type: 'service.hard-reset' });
    await settle();
    expect(calls).toEqual(['onStart 0']);
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(calls).toEqual(['onStart 0', 'onStop 2']);
  });

  it('resets iterations and failures', async () => {
    const svc = launch({
      id: 'reset-counters',
      pause: 100,
      iterate(ctx) {
        if (ctx.generation === 0) throw new Error('gen 0 is broken');
      },
    });
    await advance(250);
    expect(svc.tree()).toMatchObject({ generation: 0, iterations: 3, failures: 3 });
    svc.actor.send({ type: 'service.hard-reset' });
    await settle();
    expect(svc.tree()).toMatchObject({
      state: 'running',
      generation: 1,
      iterations: 1,
      failures: 0,
    });
    svc.actor.stop();
  });

  it('waits for the in-flight iteration that honours the signal', async () => {
    const log: string[] = [];
    const svc = launch({
      id: 'reset-wait',
      gracePeriod: 5_000,
      async iterate(ctx) {
        log.push(`gen ${ctx.generation} start`);
        await new Promise<void>((resolve) => {
          ctx.signal.addEventListener('abort', () => setTimeout(resolve, 300));
        });
        log.push(`gen ${ctx.generation} end`);
      },
    });
    await settle();
    svc.actor.send({ type: 'service.hard-reset' });
    await advance(299);
    expect(log).toEqual(['gen 0 start']);
    await advance(1);
    expect(log).toEqual(['gen 0 start', 'gen 0 end', 'gen 1 start']);
    expect(svc.tree()).toMatchObject({ state: 'running', generation: 1, iterations: 0 });
    svc.actor.stop();
  });

  it('waits at most gracePeriod, then fences the old generation and starts the next', async () => {
    const contexts: ServiceContext[] = [];
    const log: string[] = [];
    const svc = launch({
      id: 'reset-stubborn',
      gracePeriod: 1_000,
      maxFailures: 0,
      iterate: stubborn(10_000, contexts, log),
    });
    await settle();
    svc.actor.send({ type: 'service.hard-reset' });
    await advance(999);
    expect(log).toEqual(['gen 0 it 0 start']);
    await advance(1);
    expect(log).toEqual(['gen 0 it 0 start', 'gen 1 it 0 start']);
    expect(svc.logger.find('hard reset')[0]?.level).toBe('warn');
    contexts[0]!.fail(new Error('old gen'));
    contexts[0]!.stop();
    await advance(9_000);
    expect(log).toContain('gen 0 it 0 end');
    expect(svc.tree()).toMatchObject({ state: 'running', generation: 1, failures: 0 });
    expect(log.filter((l) => l.startsWith('gen 0'))).toHaveLength(2);
    svc.actor.stop();
  });

  it('is ignored when the service is not running', async () => {
    const onStart = vi.fn();
    const svc = launch({ id: 'reset-stopped', pause: 100, iterate() {}, onStart });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await settle();
    svc.actor.send({ type: 'service.hard-reset' });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'stopped', generation: 0 });
  });

  it('can be stopped while resetting: onStop runs once and the state ends stopped', async () => {
    const calls: string[] = [];
    const logger = createCapturingLogger();
    const actor = createActor(
      createService({
        id: 'stop-while-resetting',
        gracePeriod: 1_000,
        logger,
        iterate: () => sleep(5_000),
        onStop: () => {
          calls.push('onStop');
        },
      }),
    ).start();
    await settle();
    actor.send({ type: 'service.hard-reset' });
    await advance(100);
    actor.send({ type: 'service.stop' });
    await advance(2_000);
    expect(getTree(actor).state).toBe('stopped');
    expect(calls).toEqual(['onStop']);
    await advance(10_000);
    expect(calls).toEqual(['onStop']);
    expect(getTree(actor).state).toBe('stopped');
  });
});
