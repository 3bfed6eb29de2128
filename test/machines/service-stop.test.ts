import { setTimeout as wait } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from 'xstate';
import { type ServiceContext, shutdown } from '../../src/index.ts';
import { advance, deferred, settle, sleep } from '../helpers/async.ts';
import { launch, stubborn } from '../helpers/service.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('stop', () => {
  it('aborts ctx.signal, so an iteration that honours it ends at once', async () => {
    const svc = launch({
      id: 'polite',
      async iterate(ctx) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 60_000);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      },
    });
    await advance(1_000);
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'stopped', iterations: 1 });
  });

  it('is ignored when the service is already stopped', async () => {
    const onStop = vi.fn();
    const svc = launch({ id: 'idempotent', pause: 100, iterate() {}, onStop });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.state()).toBe('stopped');
    expect(onStop).toHaveBeenCalledOnce();
  });

  it('resolves shutdown() once stopped and stops the actor', async () => {
    const svc = launch({ id: 'shut', pause: 100, iterate() {} });
    await settle();
    const done = shutdown(svc.actor);
    await settle();
    await done;
    expect(svc.state()).toBe('stopped');
    expect(svc.actor.getSnapshot().status).toBe('stopped');
  });
});

describe('the cost of a stop', () => {
  it('arms no grace timer for a loop asleep between iterations and no onStop', async () => {
    const svc = launch({ id: 'asleep', minPeriod: 60_000, iterate() {} });
    await settle();
    expect(vi.getTimerCount()).toBe(1); // the period
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.state()).toBe('stopped');
    expect(setTimeoutSpy).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    setTimeoutSpy.mockRestore();
  });
});

describe('a generation that overruns gracePeriod', () => {
  it('is killed at gracePeriod: the stop completes and a warning is logged', async () => {
    const contexts: ServiceContext[] = [];
    const log: string[] = [];
    const svc = launch({
      id: 'slow',
      gracePeriod: 1_000,
      iterate: stubborn(10_000, contexts, log),
    });
    await advance(100);
    svc.actor.send({ type: 'service.stop' });
    await advance(999);
    expect(svc.state()).toBe('stopping');
    await advance(1);
    expect(svc.state()).toBe('stopped');
    const [warning] = svc.logger.find('generation killed');
    expect(warning?.level).toBe('warn');
    expect(warning?.fields).toMatchObject({ service: 'slow', generation: 0 });
    expect(warning?.fields).toMatchObject({ code: 'KILLED', gracePeriod: expect.any(Number) });
  });

  it('is fenced: its later ctx.stop(), ctx.fail() and completion change nothing', async () => {
    const contexts: ServiceContext[] = [];
    const log: string[] = [];
    const svc = launch({
      id: 'fenced',
      gracePeriod: 500,
      maxFailures: 0,
      iterate: stubborn(10_000, contexts, log),
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(500);
    expect(svc.state()).toBe('stopped');
    svc.actor.send({ type: 'service.start' });
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'running', generation: 1 });
    const old = contexts[0]!;
    old.fail(new Error('from the grave'));
    old.stop();
    await settle();
    expect(svc.tree()).toMatchObject({ state: 'running', generation: 1, failures: 0 });
    expect(svc.tree().lastError).toBeUndefined();
    // The old iteration ends (at 10 000 ms): it does not count, and starts nothing.
    await advance(9_600);
    expect(log).toContain('gen 0 it 0 end');
    expect(svc.tree()).toMatchObject({ state: 'running', generation: 1, iterations: 0 });
    expect(log.filter((l) => l.startsWith('gen 0'))).toEqual([
      'gen 0 it 0 start',
      'gen 0 it 0 end',
    ]);
    svc.actor.stop();
  });

  it('never runs two generations at once: after the restart only the new generation iterates', async () => {
    const contexts: ServiceContext[] = [];
    const log: string[] = [];
    const svc = launch({
      id: 'one-at-a-time',
      gracePeriod: 200,
      iterate: stubborn(1_000, contexts, log),
    });
    await advance(100);
    svc.actor.send({ type: 'service.stop' });
    await advance(200);
    svc.actor.send({ type: 'service.start' });
    await advance(5_000);
    const starts = log.filter((l) => l.endsWith('start'));
    expect(starts[0]).toBe('gen 0 it 0 start');
    expect(starts.slice(1).every((l) => l.startsWith('gen 1'))).toBe(true);
    expect(starts.length).toBeGreaterThan(3);
    svc.actor.stop();
  });

  it('is killed when onStop overruns the rest of gracePeriod', async () => {
    const svc = launch({
      id: 'slow-stop',
      pause: 100,
      gracePeriod: 300,
      iterate() {},
      onStop: () => sleep(10_000),
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(299);
    expect(svc.state()).toBe('stopping');
    await advance(1);
    expect(svc.state()).toBe('stopped');
    expect(svc.logger.find('generation killed')).toHaveLength(1);
  });

  it('shares gracePeriod between the iteration and onStop (one deadline for the whole stop)', async () => {
    const svc = launch({
      id: 'shared-deadline',
      gracePeriod: 1_000,
      iterate: (ctx) =>
        new Promise<void>((resolve) => {
          // honours the signal, but only 600 ms later
          ctx.signal.addEventListener('abort', () => setTimeout(resolve, 600));
        }),
      onStop: () => sleep(600),
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(999);
    expect(svc.state()).toBe('stopping');
    await advance(1);
    expect(svc.state()).toBe('stopped');
    expect(svc.logger.find('generation killed')).toHaveLength(1);
  });
});

describe('onStop pairing: exactly once per generation whose onStart succeeded', () => {
  function paired(extra: Partial<Parameters<typeof launch>[0]> = {}) {
    const calls: string[] = [];
    const svc = launch({
      id: 'paired',
      pause: 100,
      iterate() {},
      onStart: (ctx) => {
        calls.push(`onStart ${ctx.generation}`);
      },
      onStop: (ctx) => {
        calls.push(`onStop ${ctx.generation}`);
      },
      ...extra,
    });
    return { svc, calls };
  }

  it('when it is stopped', async () => {
    const { svc, calls } = paired();
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(1_000);
    expect(calls).toEqual(['onStart 0', 'onStop 0']);
  });

  it('when it ends itself with ctx.stop()', async () => {
    const { svc, calls } = paired({ iterate: (ctx) => ctx.stop() });
    await advance(1_000);
    expect(svc.state()).toBe('stopped');
    expect(calls).toEqual(['onStart 0', 'onStop 0']);
  });

  it('when its failures exceed maxFailures', async () => {
    const { svc, calls } = paired({
      maxFailures: 1,
      iterate() {
        throw new Error('x');
      },
    });
    await advance(1_000);
    expect(svc.state()).toBe('failed');
    expect(calls).toEqual(['onStart 0', 'onStop 0']);
  });

  it('when it is killed after gracePeriod', async () => {
    const { svc, calls } = paired({ gracePeriod: 100, iterate: () => sleep(60_000) });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(1_000);
    expect(svc.state()).toBe('stopped');
    expect(calls).toEqual(['onStart 0', 'onStop 0']);
    await advance(60_000);
    expect(calls).toEqual(['onStart 0', 'onStop 0']);
  });

  it('when the actor itself is stopped (actor.stop())', async () => {
    let signal: AbortSignal | undefined;
    const { svc, calls } = paired({
      iterate(ctx) {
        signal = ctx.signal;
      },
    });
    await settle();
    svc.actor.stop();
    await advance(1_000);
    expect(calls).toEqual(['onStart 0', 'onStop 0']);
    expect(signal?.aborted).toBe(true);
  });

  it('when the actor is stopped while onStart is still running', async () => {
    const calls: string[] = [];
    const svc = launch({
      id: 'stopped-while-starting',
      iterate: () => {
        calls.push('iterate');
      },
      onStart: async () => {
        await sleep(100);
        calls.push('onStart done');
      },
      onStop: () => {
        calls.push('onStop');
      },
    });
    await advance(10);
    svc.actor.stop();
    await advance(1_000);
    expect(calls).toEqual(['onStart done', 'onStop']);
  });

  it('never when the actor is stopped after the service has stopped', async () => {
    const { svc, calls } = paired();
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await settle();
    svc.actor.stop();
    await advance(1_000);
    expect(calls).toEqual(['onStart 0', 'onStop 0']);
  });

  it('across restarts: one onStop for each onStart', async () => {
    const { svc, calls } = paired();
    await settle();
    for (let i = 0; i < 3; i++) {
      svc.actor.send({ type: 'service.stop' });
      await settle();
      svc.actor.send({ type: 'service.start' });
      await settle();
    }
    svc.actor.stop();
    await settle();
    expect(calls).toEqual([
      'onStart 0',
      'onStop 0',
      'onStart 1',
      'onStop 1',
      'onStart 2',
      'onStop 2',
      'onStart 3',
      'onStop 3',
    ]);
  });
});

describe('an iteration that gives up on ctx.signal', () => {
  it('is not a failure when it rejects with the AbortError of a stop', async () => {
    vi.useRealTimers();
    // Stop once the iteration is in flight, not after a stretch of real time that a loaded
    // machine may not have used to start it.
    const inFlight = deferred();
    const svc = launch({
      id: 'honours-signal',
      maxFailures: 0,
      async iterate(ctx) {
        const waiting = wait(10_000, null, { signal: ctx.signal });
        inFlight.resolve();
        await waiting;
      },
    });
    await inFlight.promise;
    svc.actor.send({ type: 'service.stop' });
    await waitFor(svc.actor, (s) => s.matches('stopped') || s.matches('failed'));
    expect(svc.tree()).toMatchObject({ state: 'stopped', failures: 0 });
    expect(svc.tree().lastError).toBeUndefined();
    expect(svc.logger.find('iteration failed')).toEqual([]);
  });
});
