/**
 * Each timer kind of the package, driven by the test system's simulated time, fires exactly
 * when the docs say: at its instant, never a millisecond early.
 */
import { setTimeout as realSleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { fromPromise, setup } from 'xstate';
import {
  createCronService,
  createPeriodicService,
  createService,
  createSupervisor,
  supervise,
} from '../../src/index.ts';
import { createTestSystem, type TestSystem } from '../../src/testing/index.ts';

let t: TestSystem | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

/** A promise on the simulated clock (the test system fakes the global `setTimeout`). */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const types = (sys: TestSystem) => sys.reports.map((r) => `${r.type} ${r.path.join('/')}`);

describe('simulated time of a test system', () => {
  it('starts each iteration of a loop minPeriod after the previous one started, never earlier', async () => {
    const starts: number[] = [];
    const loop = createService({
      id: 'loop',
      minPeriod: 1_000,
      async iterate() {
        starts.push(Date.now());
        await sleep(300); // an iteration shorter than the period
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [loop] }), { now: 0 });
    await t.start();
    await t.advance(2_999);
    expect(starts).toEqual([0, 1_000, 2_000]);
    await t.advance(1);
    expect(starts).toEqual([0, 1_000, 2_000, 3_000]);
  });

  it('starts a fixed-delay periodic run `every` after the previous run ended', async () => {
    const runs: number[] = [];
    const job = createPeriodicService({
      id: 'job',
      every: 1_000,
      async run() {
        runs.push(Date.now());
        await sleep(400);
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [job] }), { now: 0 });
    await t.start();
    await t.advance(2_799);
    expect(runs).toEqual([0, 1_400]);
    await t.advance(1);
    expect(runs).toEqual([0, 1_400, 2_800]);
  });

  it('starts fixed-rate periodic runs on the grid start + delay + k·every, however long they take', async () => {
    const runs: number[] = [];
    const job = createPeriodicService({
      id: 'job',
      every: 1_000,
      delay: 250,
      schedule: 'fixed-rate',
      async run() {
        runs.push(Date.now());
        await sleep(400);
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [job] }), { now: 0 });
    await t.start();
    await t.advance(249);
    expect(runs).toEqual([]);
    await t.advance(1);
    expect(runs).toEqual([250]);
    await t.advance(2_000);
    expect(runs).toEqual([250, 1_250, 2_250]);
  });

  it('fires a cron job on croner’s next run from the simulated now, across a spring-forward DST change', async () => {
    const runs: string[] = [];
    // 02:30 Paris time does not exist on 29 March 2026: croner runs it at 03:00 CEST (01:00 UTC).
    const nightly = createCronService({
      id: 'nightly',
      cron: '30 2 * * *',
      timezone: 'Europe/Paris',
      run() {
        runs.push(new Date().toISOString());
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [nightly] }), {
      now: Date.parse('2026-03-28T00:00:00Z'),
    });
    await t.start();
    await t.advance(90 * 60_000 - 1); // to 01:29:59.999 UTC = 02:29:59.999 CET
    expect(runs).toEqual([]);
    await t.advance(1);
    expect(runs).toEqual(['2026-03-28T01:30:00.000Z']);
    await t.advance(Date.parse('2026-03-29T01:00:00Z') - 1 - t.now());
    expect(runs).toHaveLength(1);
    await t.advance(1);
    expect(runs).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z']);
    await t.advance(24 * 3_600_000);
    expect(runs.at(-1)).toBe('2026-03-30T00:30:00.000Z'); // 02:30 CEST
  });

  it('runs a cron job once when the autumn DST change repeats its hour', async () => {
    const runs: string[] = [];
    const nightly = createCronService({
      id: 'nightly',
      cron: '30 2 * * *',
      timezone: 'Europe/Paris',
      run() {
        runs.push(new Date().toISOString());
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [nightly] }), {
      now: Date.parse('2026-10-24T12:00:00Z'),
    });
    await t.start();
    await t.advance(2 * 24 * 3_600_000);
    expect(runs).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('waits the backoff before each restart: initial, then doubled (no jitter)', async () => {
    const starts: number[] = [];
    const flaky = createService({
      id: 'flaky',
      maxFailures: 0,
      onStart: () => {
        starts.push(Date.now());
      },
      iterate() {
        throw new Error('down');
      },
    });
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 100,
      restartWindow: 60_000,
      backoff: { initial: 1_000, max: 10_000, jitter: 0 },
      children: [flaky],
    });
    t = createTestSystem(root, { now: 0 });
    await t.start();
    await t.advance(999);
    expect(starts).toEqual([0]);
    await t.advance(1);
    expect(starts).toEqual([0, 1_000]);
    await t.advance(2_000 - 1);
    expect(starts).toEqual([0, 1_000]);
    await t.advance(1);
    expect(starts).toEqual([0, 1_000, 3_000]);
  });

  it('restarts ten children that fail at one instant all after the same backoff, not later', async () => {
    // Each restart hops through the event loop: all ten are decided before time moves on.
    const flaky = Array.from({ length: 10 }, (_, i) =>
      createService({
        id: `flaky-${i}`,
        minPeriod: 1_000,
        maxFailures: 0,
        iterate(ctx) {
          if (ctx.iteration === 2) throw new Error('down');
        },
      }),
    );
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 100,
      restartWindow: 60_000,
      backoff: { initial: 1_000, max: 10_000, jitter: 0 },
      children: flaky,
    });
    t = createTestSystem(root, { now: 0 });
    await t.start();
    await t.advance(2_999);
    expect(t.reports.filter((r) => r.type === 'child.failed').map((r) => r.time)).toEqual(
      Array(10).fill(2_000),
    );
    expect(t.reports.filter((r) => r.type === 'child.restarted')).toEqual([]);
    await t.advance(1);
    expect(t.reports.filter((r) => r.type === 'child.restarted').map((r) => r.time)).toEqual(
      Array(10).fill(3_000),
    );
  });

  it('escalates a restart storm once maxRestarts is exceeded within restartWindow, not before', async () => {
    const poller = createService({
      id: 'poller',
      minPeriod: 1_000,
      maxFailures: 0,
      iterate(ctx) {
        if (ctx.iteration === 1) throw new Error('upstream down'); // each run fails after 1 s
      },
    });
    const workers = createSupervisor({
      id: 'workers',
      strategy: 'one-for-one',
      maxRestarts: 3,
      restartWindow: 5_000,
      children: [poller],
    });
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 0,
      children: [workers],
    });
    t = createTestSystem(root, { now: 0 });
    await t.start();
    await t.advance(3_999);
    expect(t.tree().children?.[0]?.state).toBe('running');
    expect(t.reports.filter((r) => r.type === 'child.restarted').map((r) => r.time)).toEqual([
      1_000, 2_000, 3_000,
    ]);
    await t.advance(1);
    const storm = t.reports.find((r) => r.type === 'supervisor.intensity-exceeded');
    expect(storm).toMatchObject({ path: ['workers'], time: 4_000 });
    expect(t.tree().state).toBe('failed');
  });

  it('kills a child whose stop overruns gracePeriod exactly when it runs out', async () => {
    const stubborn = createService({
      id: 'stubborn',
      gracePeriod: 2_000,
      async iterate() {
        await sleep(60_000); // ignores ctx.signal
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [stubborn] }), { now: 0 });
    await t.start();
    await t.advance(100);
    await t.send([], { type: 'child.stop', id: 'stubborn' });
    await t.advance(1_999);
    expect(types(t)).not.toContain('child.killed stubborn');
    await t.advance(1);
    expect(t.reports.find((r) => r.type === 'child.killed')).toMatchObject({
      id: 'stubborn',
      time: 2_100,
    });
  });

  it('fails a start that overruns startTimeout exactly when it runs out', async () => {
    const slow = createService({
      id: 'slow',
      startTimeout: 2_000,
      onStart: () => sleep(60_000),
      iterate() {},
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [slow] }), { now: 0 });
    await expect(t.start()).rejects.toMatchObject({ code: 'ROOT_FAILED' });
    const failed = t.reports.find((r) => r.type === 'child.failed');
    expect(failed).toMatchObject({ id: 'slow', time: 2_000 });
    expect(String(failed?.reason)).toMatch(/2000 ms|start/i);
  });

  it('fires a user machine’s `after` delay on simulated time and restarts its siblings (one-for-all)', async () => {
    const connection = setup({
      actors: { connect: fromPromise(async () => 'ok') },
      actions: {
        drop: () => {
          throw new Error('connection dropped');
        },
      },
    }).createMachine({
      id: 'connection',
      initial: 'connecting',
      states: {
        connecting: { invoke: { src: 'connect', onDone: 'connected' } },
        connected: { tags: ['ready'], after: { 4000: 'dropped' }, on: { close: 'closed' } },
        dropped: { entry: 'drop' },
        closed: { type: 'final' },
      },
    });
    const ticker = createService({ id: 'ticker', minPeriod: 500, iterate() {} });
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-all',
      children: [
        supervise(connection, { id: 'db', ready: 'ready', stop: { type: 'close' } }),
        ticker,
      ],
    });
    t = createTestSystem(root, { now: 0 });
    await t.start();
    await t.advance(3_999);
    expect(t.reports.filter((r) => r.type !== 'child.started')).toEqual([]);
    await t.advance(1);
    const restarted = t.reports.filter((r) => r.type === 'child.restarted');
    expect(restarted.map((r) => [r.id, r.time])).toEqual([
      ['db', 4_000],
      ['ticker', 4_000],
    ]);
    expect((await t.waitFor('db', 'connected')).generation).toBe(1);
  });

  it('fails waitFor with the tree in the message when simulated time runs out', async () => {
    const loop = createService({ id: 'loop', minPeriod: 1_000, iterate() {} });
    t = createTestSystem(createSupervisor({ id: 'root', children: [loop] }), { now: 0 });
    await t.start();
    const error = await t.waitFor('loop', 'stopped', { timeout: 10_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TestSystemError', code: 'WAIT_TIMEOUT' });
    expect((error as Error).message).toContain('loop [service] running gen 0');
    expect(t.now()).toBe(10_000);
  });

  it('restores the real clock on shutdown', async () => {
    const before = Date.now();
    t = createTestSystem(createSupervisor({ id: 'root', children: [] }), { now: 0 });
    expect(Date.now()).toBe(0);
    await t.shutdown();
    t = undefined;
    expect(Date.now()).toBeGreaterThanOrEqual(before);
    await realSleep(1); // real timers work again
  });

  it('refuses a second test system while one is installed (CLOCK_IN_USE)', () => {
    t = createTestSystem(createSupervisor({ id: 'root', children: [] }));
    expect(() => createTestSystem(createSupervisor({ id: 'other', children: [] }))).toThrow(
      expect.objectContaining({ code: 'CLOCK_IN_USE' }),
    );
  });

  it('captures the tree’s log records in order, with the simulated time', async () => {
    const flaky = createService({
      id: 'flaky',
      minPeriod: 1_000,
      maxFailures: 5,
      iterate(ctx) {
        if (ctx.iteration === 2) throw new Error('boom');
      },
    });
    t = createTestSystem(createSupervisor({ id: 'root', children: [flaky] }), { now: 0 });
    await t.start();
    await t.advance(5_000);
    const errors = t.logs.filter((r) => r.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ service: 'flaky', time: 2_000 });
  });
});
