import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { getTree, ServiceConfigError, type TreeNode } from '../../src/index.ts';
import {
  createPeriodicService,
  type PeriodicDetails,
  type PeriodicServiceOptions,
} from '../../src/kinds/periodic.ts';
import { advance, settle, sleep } from '../helpers/async.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';
import {
  STRATEGY_CASES,
  startTracked,
  stopAll,
  supervisedWithSibling,
} from '../helpers/scheduled.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  stopAll();
  vi.useRealTimers();
});

interface Launched {
  readonly actor: AnyActorRef;
  readonly logger: CapturingLogger;
  /** Start times of the runs, in ms since launch. */
  readonly starts: number[];
  tree(): TreeNode;
}

/** Starts a periodic service alone; `durations(i)` is how long run i takes (fake time). */
function launch(
  options: Omit<PeriodicServiceOptions, 'logger' | 'run' | 'id'> & {
    durations?: (iteration: number) => number;
    fails?: (iteration: number) => boolean;
  },
): Launched {
  const { durations, fails, ...rest } = options;
  const logger = createCapturingLogger();
  const starts: number[] = [];
  const t0 = Date.now();
  const machine = createPeriodicService({
    id: 'ticker',
    ...rest,
    logger,
    async run(ctx) {
      starts.push(Date.now() - t0);
      const ms = durations?.(ctx.iteration) ?? 0;
      if (ms > 0) await sleep(ms);
      if (fails?.(ctx.iteration)) throw new Error(`run ${ctx.iteration} broke`);
    },
  });
  const actor = startTracked(machine);
  return { actor, logger, starts, tree: () => getTree(actor) };
}

describe('first run', () => {
  it('runs at once by default', async () => {
    const svc = launch({ every: 100 });
    await settle();
    expect(svc.starts).toEqual([0]);
  });

  it('waits `delay` before the first run, then keeps the period', async () => {
    const svc = launch({ every: 100, delay: 250 });
    await advance(249);
    expect(svc.starts).toEqual([]);
    await advance(1);
    expect(svc.starts).toEqual([250]);
    await advance(200);
    expect(svc.starts).toEqual([250, 350, 450]);
  });

  it('waits `delay` on the fixed-rate grid too (slot 0 is start + delay)', async () => {
    const svc = launch({ every: 100, delay: 30, schedule: 'fixed-rate', durations: () => 40 });
    await advance(330);
    expect(svc.starts).toEqual([30, 130, 230, 330]);
  });
});

describe('fixed-delay (aiomisc PeriodicService)', () => {
  it('starts each run `every` after the previous one ended, whatever its length', async () => {
    const lengths = [0, 30, 70, 10, 0];
    const svc = launch({ every: 100, durations: (i) => lengths[i] ?? 0 });
    await advance(510);
    expect(svc.starts).toEqual([0, 100, 230, 400, 510]);
  });

  it('drifts by the run lengths (the contrast with fixed-rate)', async () => {
    const svc = launch({ every: 10, durations: (i) => i % 10 });
    await advance(5_000);
    expect(svc.starts[100]).toBeGreaterThan(100 * 10);
  });
});

describe('fixed-rate', () => {
  it('keeps an absolute grid with no drift over 500 ticks of 10 ms, runs of 0-9 ms', async () => {
    const svc = launch({ every: 10, schedule: 'fixed-rate', durations: (i) => (i * 7) % 10 });
    await advance(4_995);
    expect(svc.starts).toHaveLength(500);
    expect(svc.starts).toEqual(Array.from({ length: 500 }, (_, k) => k * 10));
    expect(svc.logger.at('warn')).toEqual([]);
  });

  it('treats a run that ends exactly on the next slot as on time', async () => {
    const svc = launch({ every: 10, schedule: 'fixed-rate', durations: () => 10 });
    await advance(30);
    expect(svc.starts).toEqual([0, 10, 20, 30]);
    expect((svc.tree().details as PeriodicDetails | undefined)?.skipped).toBe(0);
  });

  it('skips the missed slots of a late run and starts on the next slot ahead (skip)', async () => {
    const svc = launch({ every: 10, schedule: 'fixed-rate', durations: (i) => (i === 1 ? 25 : 0) });
    await advance(60);
    // Run 1 starts at 10 and ends at 35: slots 20 and 30 are gone, the next run is at 40.
    expect(svc.starts).toEqual([0, 10, 40, 50, 60]);
    const warns = svc.logger.at('warn');
    expect(warns).toHaveLength(1);
    expect(warns[0]?.msg).toBe('periodic run ended 15 ms after its next slot; skipped 2 slot(s)');
    expect(warns[0]?.fields).toMatchObject({ service: 'ticker', skipped: 2, every: 10 });
    expect((svc.tree().details as PeriodicDetails | undefined)?.skipped).toBe(2);
  });

  it('logs once per late run, with how many slots each skipped', async () => {
    const svc = launch({
      every: 10,
      schedule: 'fixed-rate',
      durations: (i) => (i === 1 ? 25 : i === 3 ? 12 : 0),
    });
    await advance(100);
    expect(svc.starts).toEqual([0, 10, 40, 50, 70, 80, 90, 100]);
    expect(svc.logger.at('warn').map((e) => e.fields.skipped)).toEqual([2, 1]);
    expect((svc.tree().details as PeriodicDetails | undefined)?.skipped).toBe(3);
  });

  it('starts one run at once after a late run, then goes back to the grid (queue-one)', async () => {
    const svc = launch({
      every: 10,
      schedule: 'fixed-rate',
      overlap: 'queue-one',
      durations: (i) => (i === 1 ? 25 : 0),
    });
    await advance(60);
    // Run 1 ends at 35: one run at once (35) for the missed slots, then 40, 50, 60 on the grid.
    expect(svc.starts).toEqual([0, 10, 35, 40, 50, 60]);
    expect(svc.logger.at('warn')).toHaveLength(1);
    expect(svc.logger.at('warn')[0]?.fields).toMatchObject({ skipped: 1, overlap: 'queue-one' });
    expect((svc.tree().details as PeriodicDetails | undefined)?.skipped).toBe(1);
  });

  it('queues the one missed slot without a warning when only one was missed (queue-one)', async () => {
    const svc = launch({
      every: 10,
      schedule: 'fixed-rate',
      overlap: 'queue-one',
      durations: (i) => (i === 1 ? 15 : i === 2 ? 3 : 0),
    });
    await advance(40);
    expect(svc.starts).toEqual([0, 10, 25, 30, 40]);
    expect(svc.logger.at('warn')).toEqual([]);
    expect((svc.tree().details as PeriodicDetails | undefined)?.skipped).toBe(0);
  });
});

describe('failures', () => {
  it('counts a run that throws as a failure and keeps the schedule', async () => {
    const svc = launch({ every: 100, schedule: 'fixed-rate', fails: (i) => i === 1 });
    await advance(300);
    expect(svc.starts).toEqual([0, 100, 200, 300]);
    expect(svc.tree()).toMatchObject({ state: 'running', failures: 1, iterations: 4 });
    expect(svc.tree().lastError?.message).toBe('run 1 broke');
  });

  it('fails the service at failure number maxFailures + 1', async () => {
    const svc = launch({ every: 100, maxFailures: 2, fails: () => true });
    await advance(150);
    expect(svc.tree().state).toBe('running');
    await advance(100);
    expect(svc.tree()).toMatchObject({ state: 'failed', failures: 3 });
    expect(svc.starts).toEqual([0, 100, 200]);
  });
});

describe('stop', () => {
  it('is not held up by the wait: a stop during a long period ends at once', async () => {
    const svc = launch({ every: 3_600_000, schedule: 'fixed-rate' });
    await advance(10);
    expect((svc.tree().details as PeriodicDetails | undefined)?.nextRunIn).toBe(3_599_990);
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.tree().state).toBe('stopped');
    expect(svc.tree().details).toEqual({ schedule: 'fixed-rate', every: 3_600_000, skipped: 0 });
  });

  it('is not held up by `delay` either', async () => {
    const svc = launch({ every: 10, delay: 60_000 });
    await advance(5);
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.tree().state).toBe('stopped');
    expect(svc.starts).toEqual([]);
  });

  it('starts a fresh grid (and waits `delay` again) on the next start', async () => {
    const svc = launch({ every: 100, delay: 50, schedule: 'fixed-rate' });
    await advance(160);
    svc.actor.send({ type: 'service.stop' });
    await settle();
    await advance(1_000);
    svc.actor.send({ type: 'service.start' });
    await advance(160);
    expect(svc.starts).toEqual([50, 150, 1_210, 1_310]);
    expect(svc.tree().generation).toBe(1);
  });
});

describe('details in getTree', () => {
  it('shows the schedule, the period, the time to the next run and the skipped slots', async () => {
    const svc = launch({ every: 100, schedule: 'fixed-rate', durations: () => 30 });
    await advance(40);
    expect(svc.tree()).toMatchObject({ kind: 'service', id: 'ticker', state: 'running' });
    expect(svc.tree().details).toEqual({
      schedule: 'fixed-rate',
      every: 100,
      nextRunIn: 60,
      skipped: 0,
    });
  });

  it('leaves nextRunIn out while a run is running', async () => {
    const svc = launch({ every: 100, durations: () => 30 });
    await advance(10);
    expect(svc.tree().details).toEqual({ schedule: 'fixed-delay', every: 100, skipped: 0 });
  });

  it('keeps separate grids for two actors of one machine', async () => {
    const machine = createPeriodicService({
      id: 'twin',
      every: 100,
      schedule: 'fixed-rate',
      logger: createCapturingLogger(),
      run() {},
    });
    const a = startTracked(machine);
    await advance(50);
    const b = startTracked(machine);
    await advance(1);
    expect((getTree(a).details as PeriodicDetails | undefined)?.nextRunIn).toBe(49);
    expect((getTree(b).details as PeriodicDetails | undefined)?.nextRunIn).toBe(99);
  });

  it('warns when two running actors of one machine share a logger whose child() returns itself', async () => {
    const logger = createCapturingLogger();
    const shared = { ...logger, child: () => shared };
    const machine = createPeriodicService({ id: 'twin', every: 100, logger: shared, run() {} });
    startTracked(machine);
    startTracked(machine);
    await settle();
    expect(logger.find('share one logger object')).toHaveLength(1);
  });
});

describe('options', () => {
  const base = { id: 'p', every: 10, run() {} };
  const invalid: [string, Record<string, unknown>, string][] = [
    ['every is 0', { every: 0 }, 'every'],
    ['every is negative', { every: -5 }, 'every'],
    ['every is not a number', { every: '10' }, 'every'],
    ['every is missing', { every: undefined }, 'every'],
    ['every is beyond a timer', { every: 2 ** 31 }, 'every'],
    ['delay is negative', { delay: -1 }, 'delay'],
    ['schedule is unknown', { schedule: 'fixed' }, 'schedule'],
    ['overlap is unknown', { schedule: 'fixed-rate', overlap: 'drop' }, 'overlap'],
    ['overlap is set with fixed-delay', { overlap: 'skip' }, 'overlap'],
    ['run is missing', { run: undefined }, 'run'],
    ['a common option is bad', { maxFailures: -1 }, 'maxFailures'],
  ];
  for (const [what, patch, option] of invalid) {
    it(`throws ServiceConfigError naming \`${option}\` when ${what}`, () => {
      const make = () =>
        createPeriodicService({ ...base, ...patch } as unknown as PeriodicServiceOptions);
      expect(make).toThrow(ServiceConfigError);
      expect(make).toThrow(expect.objectContaining({ option, code: 'SERVICE_CONFIG_INVALID' }));
      expect(make).toThrow(`Invalid option \`${option}\` of service "p"`);
    });
  }

  it('rejects an unknown option (a typo, or a pacing option of createService)', () => {
    for (const option of ['evry', 'minPeriod', 'iterate']) {
      const make = () =>
        createPeriodicService({ ...base, [option]: 1 } as unknown as PeriodicServiceOptions);
      expect(make).toThrow(
        expect.objectContaining({ option, code: 'SERVICE_CONFIG_UNKNOWN_OPTION' }),
      );
    }
  });
});

describe('under a supervisor', () => {
  for (const [strategy, order, expected] of STRATEGY_CASES) {
    it(`${expected ? 'restarts' : 'keeps'} the periodic service when a sibling fails (${strategy}, ${order})`, async () => {
      const ticks: number[] = [];
      const ticker = createPeriodicService({
        id: 'ticker',
        every: 100,
        schedule: 'fixed-rate',
        run: (ctx) => {
          ticks.push(ctx.generation);
        },
      });
      const t = supervisedWithSibling(strategy, ticker, order);
      await advance(250);
      expect(t.generations()).toEqual({ ticker: 0, sibling: 0 });
      t.actor.send({ type: 'child.fail', id: 'sibling', error: new Error('sibling broke') });
      await advance(250);
      expect(t.generations()).toEqual({ ticker: expected, sibling: 1 });
      expect(t.node('ticker')?.state).toBe('running');
      // It keeps ticking in its (new or same) generation.
      expect(ticks.at(-1)).toBe(expected);
    });
  }

  it('is restarted by its supervisor when its own failures exceed maxFailures (one-for-one)', async () => {
    const ticker = createPeriodicService({
      id: 'ticker',
      every: 100,
      maxFailures: 0,
      run(ctx) {
        if (ctx.generation === 0) throw new Error('first generation breaks');
      },
    });
    const t = supervisedWithSibling('one-for-one', ticker, 'kind-first');
    await advance(50);
    expect(t.node('ticker')).toMatchObject({ state: 'running', generation: 1 });
    expect(t.node('ticker')?.lastError?.message).toBe('first generation breaks');
    expect(t.node('sibling')?.generation).toBe(0);
  });
});

describe('common options of the scheduled kinds', () => {
  it('accept a required config, checked at creation and readable as ctx.config', async () => {
    const { createPeriodicService: make, ServiceConfigError: ConfigError } = await import(
      '../../src/index.ts'
    );
    expect(() =>
      make({ id: 'p', every: 10, run() {}, config: { values: {}, required: { url: 'url' } } }),
    ).toThrow(ConfigError);
    expect(
      make({
        id: 'p',
        every: 10,
        run() {},
        config: { values: { url: 'http://127.0.0.1' }, required: { url: 'url' } },
      }).id,
    ).toBe('p');
  });
});
