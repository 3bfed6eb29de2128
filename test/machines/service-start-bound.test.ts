import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import {
  CommandError,
  createService,
  createSupervisor,
  getTree,
  ServiceConfigError,
  type ServiceContext,
  StartTimeoutError,
  type SupervisorReport,
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

const never = () => new Promise<never>(() => {});

/** Resolves when ctx.signal aborts (an onStart that honours its signal). */
function untilAborted(ctx: ServiceContext): Promise<never> {
  return new Promise((_, reject) =>
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
  );
}

describe('startTimeout', () => {
  it('fails a start whose onStart never settles, aborting ctx.signal', async () => {
    let signal: AbortSignal | undefined;
    const onStop = vi.fn();
    const svc = launch({
      id: 'stuck',
      startTimeout: 1_000,
      iterate() {},
      onStart(ctx) {
        signal = ctx.signal;
        return never();
      },
      onStop,
    });
    await advance(999);
    expect(svc.state()).toBe('starting');
    await advance(1);
    expect(svc.state()).toBe('failed');
    expect(signal?.aborted).toBe(true);
    expect(svc.tree().lastError?.message).toContain('startTimeout 1000 ms');
    // Its start never succeeded: onStop is not paired with it.
    expect(onStop).not.toHaveBeenCalled();
    svc.actor.stop();
  });

  it('defaults to 30 s', async () => {
    const svc = launch({ id: 'stuck', iterate() {}, onStart: never });
    await advance(29_999);
    expect(svc.state()).toBe('starting');
    await advance(1);
    expect(svc.state()).toBe('failed');
    svc.actor.stop();
  });

  it('arms no timer for an onStart that returns at once', async () => {
    const svc = launch({ id: 'quick', minPeriod: 60_000, iterate() {}, onStart() {} });
    await settle();
    expect(svc.state()).toBe('running');
    expect(vi.getTimerCount()).toBe(1); // the period only
    svc.actor.stop();
  });

  it('is reported as a failed start under a supervisor, which then fails (OTP start_link)', async () => {
    const actor = createActor(
      createSupervisor({
        id: 'root',
        logger: silentLogger,
        children: [createService({ id: 'stuck', startTimeout: 500, iterate() {}, onStart: never })],
      }),
    );
    const reports: SupervisorReport[] = [];
    actor.on('*', (r) => void reports.push(r as unknown as SupervisorReport));
    actor.start();
    await advance(500);
    await settle();
    expect(getTree(actor).state).toBe('failed');
    expect(reports.map((r) => r.type)).toEqual(['child.failed']);
    expect(reports[0]?.reason).toBeInstanceOf(StartTimeoutError);
    expect(reports[0]?.reason).toMatchObject({ code: 'START_TIMEOUT' });
  });

  it('is validated: a startTimeout that is not a number of ms > 0 is a config error', () => {
    for (const startTimeout of [-1, 0, Number.NaN]) {
      expect(() => createService({ id: 'x', iterate() {}, startTimeout })).toThrow(
        ServiceConfigError,
      );
    }
  });
});

describe('a stop during the start', () => {
  it('aborts ctx.signal at once; an onStart that honours it ends the service stopped', async () => {
    const onStop = vi.fn();
    const svc = launch({ id: 'polite', iterate() {}, onStart: untilAborted, onStop });
    await advance(100);
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.state()).toBe('stopped');
    expect(onStop).not.toHaveBeenCalled();
    expect(svc.logger.entries.filter((e) => e.level === 'error')).toEqual([]);
    svc.actor.stop();
  });

  it('waits gracePeriod for an onStart that ignores the signal, then kills it', async () => {
    const svc = launch({ id: 'deaf', gracePeriod: 200, iterate() {}, onStart: never });
    await advance(100);
    svc.actor.send({ type: 'service.stop' });
    await advance(199);
    expect(svc.state()).toBe('starting');
    await advance(1);
    expect(svc.state()).toBe('stopped');
    expect(svc.logger.find('generation killed')).toHaveLength(1);
    svc.actor.stop();
  });

  it('runs onStop when onStart still succeeds after the stop was asked for', async () => {
    const onStop = vi.fn();
    const svc = launch({
      id: 'late',
      iterate() {},
      onStart: () => new Promise<void>((resolve) => setTimeout(resolve, 50)),
      onStop,
    });
    await advance(10);
    svc.actor.send({ type: 'service.stop' });
    await advance(50);
    expect(svc.state()).toBe('stopped');
    expect(onStop).toHaveBeenCalledOnce();
    svc.actor.stop();
  });

  it('lets shutdown() of a supervisor stuck starting a child resolve, stopping what started', async () => {
    const log: string[] = [];
    const first = createService({
      id: 'first',
      minPeriod: 1_000,
      iterate() {},
      onStart: () => void log.push('onStart first'),
      onStop: () => void log.push('onStop first'),
    });
    const second = createService({ id: 'second', iterate() {}, onStart: untilAborted });
    const third = createService({ id: 'third', iterate() {}, onStart: () => void log.push('3') });
    const actor = createActor(
      createSupervisor({ id: 'root', logger: silentLogger, children: [first, second, third] }),
    );
    const reports: string[] = [];
    actor.on('*', (r) => {
      const report = r as unknown as SupervisorReport;
      reports.push(`${report.type} ${report.id}`);
    });
    actor.start();
    await advance(100);
    expect(getTree(actor).state).toBe('starting');
    const done = shutdown(actor);
    await advance(10);
    await done;
    expect(getTree(actor).state).toBe('stopped');
    expect(getTree(actor).children?.map((c) => c.state)).toEqual(['stopped', 'stopped', 'idle']);
    expect(log).toEqual(['onStart first', 'onStop first']);
    expect(reports).toEqual(['child.started first', 'child.stopped second', 'child.stopped first']);
  });
});

describe('a start that outlives its service', () => {
  it('leaves no timer armed when the actor is stopped during a start', async () => {
    const svc = launch({ id: 'stuck', iterate() {}, onStart: never });
    await advance(10);
    expect(vi.getTimerCount()).toBe(1); // startTimeout
    svc.actor.stop();
    await settle();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer armed after a stop killed a start that ignored its signal', async () => {
    const svc = launch({ id: 'deaf', gracePeriod: 100, iterate() {}, onStart: never });
    await advance(10);
    svc.actor.send({ type: 'service.stop' });
    await advance(100);
    expect(svc.state()).toBe('stopped');
    expect(vi.getTimerCount()).toBe(0);
    svc.actor.stop();
  });

  it('is aborted by a shutdown when it is a restart’s start, not waited out to startTimeout', async () => {
    const db = createService({
      id: 'db',
      startTimeout: 3_000,
      gracePeriod: 100,
      iterate() {},
      onStart: (ctx) => (ctx.generation === 0 ? undefined : untilAborted(ctx)),
    });
    const actor = createActor(
      createSupervisor({
        id: 'root',
        strategy: 'one-for-one',
        logger: silentLogger,
        children: [db],
      }),
    );
    const reports: string[] = [];
    actor.on('*', (r) => {
      const report = r as unknown as SupervisorReport;
      reports.push(`${report.type} ${report.id}@${report.generation}`);
    });
    actor.start();
    await settle();
    actor.send({ type: 'child.fail', id: 'db' });
    await advance(50);
    expect(getTree(actor).children?.[0]?.state).toBe('starting');
    const done = shutdown(actor);
    await advance(10);
    await done;
    expect(reports).toEqual(['child.started db@0', 'child.failed db@0', 'child.stopped db@1']);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('an actor that was never started', () => {
  it('shows idle in getTree, and shutdown() resolves at once and leaves it startable', async () => {
    const actor = createActor(
      createSupervisor({
        id: 'root',
        logger: silentLogger,
        children: [createService({ id: 'a', iterate() {} })],
      }),
    );
    expect(getTree(actor).state).toBe('idle');
    await shutdown(actor);
    expect(getTree(actor).state).toBe('idle');
    actor.start();
    await settle();
    expect(getTree(actor).state).toBe('running');
    const done = shutdown(actor);
    await settle();
    await done;
  });

  it('getTree and shutdown refuse a missing actor with a CommandError, not a TypeError', async () => {
    const call = () => getTree(undefined as never);
    expect(call).toThrow(CommandError);
    expect(call).toThrow(/getTree\(\) expects an actor .* got undefined/);
    await expect(shutdown(null as never)).rejects.toMatchObject({
      code: 'NOT_A_SUPERVISED_ACTOR',
      message: expect.stringContaining('got null'),
    });
  });
});

describe('failureWindow', () => {
  it('counts only the failures within the window: errors an hour apart never fail the service', async () => {
    const svc = launch({
      id: 'rare',
      maxFailures: 2,
      failureWindow: 60_000,
      interval: 3_600_000,
      iterate() {
        throw new Error('rare');
      },
    });
    await advance(10 * 3_600_000);
    // Only the failure of the last minute counts (the one just now).
    expect(svc.tree()).toMatchObject({ state: 'running', failures: 1 });
    expect(svc.logger.find('iteration failed').length).toBeGreaterThanOrEqual(10);
    svc.actor.stop();
  });

  it('fails the service on failure maxFailures + 1 within the window', async () => {
    const svc = launch({
      id: 'burst',
      maxFailures: 2,
      failureWindow: 60_000,
      interval: 1_000,
      iterate() {
        throw new Error('burst');
      },
    });
    await advance(1_500);
    expect(svc.tree()).toMatchObject({ state: 'running', failures: 2 });
    await advance(1_000);
    expect(svc.state()).toBe('failed');
    svc.actor.stop();
  });

  it('keeps counting per generation when left out (the default)', async () => {
    const svc = launch({
      id: 'default',
      maxFailures: 2,
      interval: 3_600_000,
      iterate() {
        throw new Error('rare');
      },
    });
    await advance(2 * 3_600_000 + 1);
    expect(svc.state()).toBe('failed');
    svc.actor.stop();
  });

  it('rejects failureWindow 0', () => {
    expect(() => createService({ id: 'x', iterate() {}, failureWindow: 0 })).toThrow(
      /failureWindow/,
    );
  });
});
