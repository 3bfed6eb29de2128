/**
 * Graceful tasks' timeouts and a queue worker's drain, hand-back and retry, driven by the test
 * system's simulated time: each fires at the instant the docs give, never a millisecond early.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createQueueWorker, createService, createSupervisor } from '../../src/index.ts';
import { createTestSystem, type TestSystem } from '../../src/testing/index.ts';

let t: TestSystem | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

/** A promise on the simulated clock that ends early, with the abort's reason, on `signal`. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
const warnings = (sys: TestSystem) =>
  sys.logs.filter((r) => r.level === 'warn').map((r) => [r.msg, r.time]);

describe('graceful tasks on simulated time', () => {
  it('aborts a task still running exactly gracefulWaitTimeout after the stop began, then runs onStop', async () => {
    const events: [string, number][] = [];
    const uploader = createService({
      id: 'uploader',
      minPeriod: 1_000,
      gracePeriod: 5_000,
      gracefulWaitTimeout: 3_000,
      async iterate(ctx) {
        if (ctx.iteration !== 0) return;
        void ctx.task(async (signal) => {
          await sleep(60_000, signal).catch((e: unknown) => {
            events.push(['task aborted', Date.now()]);
            throw e;
          });
        });
      },
      onStop() {
        events.push(['onStop', Date.now()]);
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [uploader] }), { now: 0 });
    await t.start();
    await t.advance(100);
    await t.send([], { type: 'child.stop', id: 'uploader' });
    await t.advance(2_999); // to 3 099: one ms before the wait is over
    expect(events).toEqual([]);
    await t.advance(1);
    expect(events).toEqual([
      ['task aborted', 3_100],
      ['onStop', 3_100],
    ]);
    expect(warnings(t)).toContainEqual([
      'graceful tasks still running after gracefulWaitTimeout; aborted',
      3_100,
    ]);
    expect(t.reports.find((r) => r.type === 'child.stopped')).toMatchObject({ time: 3_100 });
    expect(t.reports.map((r) => r.type)).not.toContain('child.killed');
  });

  it('goes on with the stop at the instant the last task settles, before gracefulWaitTimeout', async () => {
    const stoppedAt: number[] = [];
    const uploader = createService({
      id: 'uploader',
      minPeriod: 1_000,
      gracePeriod: 5_000,
      gracefulWaitTimeout: 3_000,
      iterate(ctx) {
        if (ctx.iteration === 0) void ctx.task(() => sleep(1_500)); // ends at 1 500
      },
      onStop() {
        stoppedAt.push(Date.now());
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [uploader] }), { now: 0 });
    await t.start();
    await t.advance(100);
    await t.send([], { type: 'child.stop', id: 'uploader' });
    await t.advance(1_399);
    expect(stoppedAt).toEqual([]);
    await t.advance(1);
    expect(stoppedAt).toEqual([1_500]);
    expect(warnings(t)).toEqual([]);
  });

  it('kills the generation when the tasks outlast gracePeriod (gracefulWaitTimeout defaults to it)', async () => {
    const aborted: number[] = [];
    const uploader = createService({
      id: 'uploader',
      minPeriod: 1_000,
      gracePeriod: 2_000,
      iterate(ctx) {
        if (ctx.iteration === 0)
          void ctx.task((signal) => sleep(60_000, signal).catch(() => aborted.push(Date.now())));
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [uploader] }), { now: 0 });
    await t.start();
    await t.advance(100);
    await t.send([], { type: 'child.stop', id: 'uploader' });
    await t.advance(1_999);
    expect(aborted).toEqual([]);
    expect(t.reports.map((r) => r.type)).not.toContain('child.killed');
    await t.advance(1);
    expect(aborted).toEqual([2_100]);
    expect(t.reports.find((r) => r.type === 'child.killed')).toMatchObject({
      id: 'uploader',
      time: 2_100,
    });
  });
});

describe('a queue worker on simulated time', () => {
  it('drains the tasks queued at the stop, one after the other, and stops when the last one ends', async () => {
    const handled: [string, number][] = [];
    const worker = createQueueWorker({
      id: 'mailer',
      gracePeriod: 10_000,
      async handle(task: string) {
        await sleep(1_000);
        handled.push([task, Date.now()]);
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [worker] }), { now: 0 });
    await t.start();
    for (const task of ['a', 'b', 'c']) worker.put(task);
    await t.runUntilIdle();
    await t.send([], { type: 'child.stop', id: 'mailer' }); // at 0, with 'a' in flight
    await t.advance(2_999);
    expect(handled).toEqual([
      ['a', 1_000],
      ['b', 2_000],
    ]);
    expect(t.tree().children?.[0]?.state).toBe('stopping');
    await t.advance(1);
    expect(handled.at(-1)).toEqual(['c', 3_000]);
    expect(t.reports.find((r) => r.type === 'child.stopped')).toMatchObject({ time: 3_000 });
    expect(worker.pending()).toEqual([]);
  });

  it('aborts a handler still running gracefulWaitTimeout after the stop and hands its task back', async () => {
    const aborted: number[] = [];
    const worker = createQueueWorker({
      id: 'mailer',
      gracePeriod: 5_000,
      gracefulWaitTimeout: 2_000,
      async handle(_task: string, ctx) {
        await sleep(60_000, ctx.signal).catch((e: unknown) => {
          aborted.push(Date.now());
          throw e;
        });
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [worker] }), { now: 0 });
    await t.start();
    worker.put('slow');
    await t.advance(500);
    await t.send([], { type: 'child.stop', id: 'mailer' });
    await t.advance(1_999);
    expect(aborted).toEqual([]);
    expect(worker.pending()).toEqual([]);
    await t.advance(1);
    expect(aborted).toEqual([2_500]);
    expect(t.reports.find((r) => r.type === 'child.stopped')).toMatchObject({ time: 2_500 });
    expect(worker.pending()).toEqual(['slow']); // handed back, kept for the next start
  });

  it('takes the tasks left queued by a failed handler again once the restart backoff is over, not before', async () => {
    const attempts: [string, number, number][] = [];
    const worker = createQueueWorker({
      id: 'mailer',
      maxFailures: 0,
      async handle(task: string, ctx) {
        attempts.push([task, ctx.generation, Date.now()]);
        await sleep(500);
        if (task === 'bounce' && ctx.generation === 0) throw new Error('mail server said 421');
      },
    });
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 10,
      restartWindow: 60_000,
      backoff: { initial: 3_000, max: 10_000, jitter: 0 },
      children: [worker],
    });
    t = createTestSystem(root, { now: 0 });
    await t.start();
    for (const task of ['bounce', 'welcome']) worker.put(task);
    await t.advance(500); // 'bounce' fails at 500: the worker fails, 'welcome' stays queued
    expect(t.reports.find((r) => r.type === 'child.failed')).toMatchObject({ time: 500 });
    expect(worker.pending()).toEqual(['welcome']);
    await t.advance(2_999);
    expect(attempts).toEqual([['bounce', 0, 0]]);
    await t.advance(1);
    expect(t.reports.find((r) => r.type === 'child.restarted')).toMatchObject({ time: 3_500 });
    expect(attempts).toEqual([
      ['bounce', 0, 0],
      ['welcome', 1, 3_500],
    ]);
  });

  it('takes a killed handler’s task first in the next generation (at-least-once)', async () => {
    const attempts: [string, number, number][] = [];
    const worker = createQueueWorker({
      id: 'mailer',
      gracePeriod: 1_000,
      async handle(task: string, ctx) {
        attempts.push([task, ctx.generation, Date.now()]);
        if (ctx.generation === 0) await sleep(60_000); // ignores its signal
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [worker] }), { now: 0 });
    await t.start();
    worker.put('welcome');
    await t.advance(200);
    await t.send([], { type: 'child.restart', id: 'mailer' });
    await t.advance(999); // to 1 199: the stop is still within gracePeriod
    expect(t.reports.map((r) => r.type)).not.toContain('child.killed');
    expect(attempts).toEqual([['welcome', 0, 0]]);
    await t.advance(1);
    expect(t.reports.find((r) => r.type === 'child.killed')).toMatchObject({ time: 1_200 });
    await t.waitFor('mailer', 'running');
    await t.runUntilIdle();
    expect(attempts).toEqual([
      ['welcome', 0, 0],
      ['welcome', 1, 1_200],
    ]);
  });
});
