import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { getTree, ServiceConfigError, type TreeNode } from '../../src/index.ts';
import {
  type CronDetails,
  type CronServiceOptions,
  createCronService,
} from '../../src/kinds/cron.ts';
import { advance, settle, sleep } from '../helpers/async.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';
import {
  STRATEGY_CASES,
  startTracked,
  stopAll,
  supervisedWithSibling,
} from '../helpers/scheduled.ts';

/** Half a second before a whole second, so the first fire time is 500 ms away. */
const T0 = Date.parse('2026-03-02T10:00:00.500Z');
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  stopAll();
  vi.useRealTimers();
});

interface Launched {
  readonly actor: AnyActorRef;
  readonly logger: CapturingLogger;
  /** Wall-clock start times of the runs, as ISO strings. */
  readonly starts: string[];
  tree(): TreeNode;
}

function launch(
  options: Omit<CronServiceOptions, 'logger' | 'run' | 'id'> & {
    durations?: (iteration: number) => number;
    fails?: (iteration: number) => boolean;
  },
): Launched {
  const { durations, fails, ...rest } = options;
  const logger = createCapturingLogger();
  const starts: string[] = [];
  const machine = createCronService({
    id: 'job',
    ...rest,
    logger,
    async run(ctx) {
      starts.push(new Date().toISOString());
      const ms = durations?.(ctx.iteration) ?? 0;
      if (ms > 0) await sleep(ms);
      if (fails?.(ctx.iteration)) throw new Error(`run ${ctx.iteration} broke`);
    },
  });
  const actor = startTracked(machine);
  return { actor, logger, starts, tree: () => getTree(actor) };
}

/** ISO string of T0's day at `hh:mm:ss.000` UTC. */
const at = (time: string) => `2026-03-02T${time}.000Z`;

describe('fire times', () => {
  it('runs at each whole second of a 1-second pattern, not at once', async () => {
    const svc = launch({ cron: '* * * * * *' });
    await advance(499);
    expect(svc.starts).toEqual([]);
    await advance(1);
    expect(svc.starts).toEqual([at('10:00:01')]);
    await advance(3_000);
    expect(svc.starts).toEqual([at('10:00:01'), at('10:00:02'), at('10:00:03'), at('10:00:04')]);
  });

  it('follows a step pattern (*/5 seconds)', async () => {
    const svc = launch({ cron: '*/5 * * * * *' });
    await advance(15_000);
    expect(svc.starts).toEqual([at('10:00:05'), at('10:00:10'), at('10:00:15')]);
  });

  it('does not drift over 300 fire times, whatever the runs take', async () => {
    const svc = launch({ cron: '* * * * * *', durations: (i) => (i * 97) % 900 });
    await advance(300_000);
    expect(svc.starts).toHaveLength(300);
    expect(svc.starts.every((s) => s.endsWith('.000Z'))).toBe(true);
    expect(svc.starts.at(-1)).toBe(at('10:05:00'));
    expect(svc.logger.at('warn')).toEqual([]);
  });

  it('reads the pattern in the given time zone', async () => {
    vi.setSystemTime(Date.parse('2026-03-01T23:30:00.000Z'));
    const tokyo = launch({ cron: '0 0 9 * * *', timezone: 'Asia/Tokyo' });
    const utc = launch({ cron: '0 0 9 * * *', timezone: 'UTC' });
    await advance(30 * 60_000);
    expect(tokyo.starts).toEqual(['2026-03-02T00:00:00.000Z']);
    expect(utc.starts).toEqual([]);
    expect((utc.tree().details as CronDetails | undefined)?.next[0]).toBe(
      '2026-03-02T09:00:00.000Z',
    );
  });

  it('waits for a fire time beyond a Node timer (~24.8 days) without running early', async () => {
    const svc = launch({ cron: '0 0 0 1 * *', timezone: 'UTC' }); // monthly: 2026-04-01
    await advance(26 * 24 * 3_600_000); // past one timer's reach
    expect(svc.starts).toEqual([]);
    expect(svc.tree().state).toBe('running');
    await advance(4 * 24 * 3_600_000);
    expect(svc.starts).toEqual(['2026-04-01T00:00:00.000Z']);
  });
});

describe('overlap', () => {
  it('skips a fire time that a run overlaps, logged at warn', async () => {
    const svc = launch({ cron: '* * * * * *', durations: (i) => (i === 0 ? 1_500 : 0) });
    await advance(3_500);
    // Run 0 (10:00:01) ends at 10:00:02.5: 10:00:02 is skipped.
    expect(svc.starts).toEqual([at('10:00:01'), at('10:00:03'), at('10:00:04')]);
    const warns = svc.logger.at('warn');
    expect(warns).toHaveLength(1);
    expect(warns[0]?.msg).toBe('cron run overlapped 1 fire time(s); skipped');
    expect(warns[0]?.fields).toMatchObject({ service: 'job', skipped: 1, behind: 500 });
    expect((svc.tree().details as CronDetails | undefined)?.skipped).toBe(1);
  });

  it('counts every fire time a long run overlaps, in one warning', async () => {
    const svc = launch({ cron: '* * * * * *', durations: (i) => (i === 0 ? 3_200 : 0) });
    await advance(5_500);
    expect(svc.starts).toEqual([at('10:00:01'), at('10:00:05'), at('10:00:06')]);
    expect(svc.logger.at('warn').map((e) => e.fields.skipped)).toEqual([3]);
  });

  it('runs a fire time at once when the previous run ended exactly on it', async () => {
    const svc = launch({ cron: '* * * * * *', durations: (i) => (i === 0 ? 1_000 : 0) });
    await advance(2_500);
    expect(svc.starts).toEqual([at('10:00:01'), at('10:00:02'), at('10:00:03')]);
    expect(svc.logger.at('warn')).toEqual([]);
  });
});

describe('failures and stop', () => {
  it('counts a run that throws as a failure and keeps the schedule', async () => {
    const svc = launch({ cron: '* * * * * *', fails: (i) => i === 0 });
    await advance(2_500);
    expect(svc.starts).toEqual([at('10:00:01'), at('10:00:02'), at('10:00:03')]);
    expect(svc.tree()).toMatchObject({ state: 'running', failures: 1, iterations: 3 });
  });

  it('fails the service at failure number maxFailures + 1', async () => {
    const svc = launch({ cron: '* * * * * *', maxFailures: 1, fails: () => true });
    await advance(1_000);
    expect(svc.tree().state).toBe('running');
    await advance(1_000);
    expect(svc.tree()).toMatchObject({ state: 'failed', failures: 2 });
  });

  it('is not held up by the wait: a stop before a far fire time ends at once', async () => {
    const svc = launch({ cron: '0 0 0 * * *' }); // midnight
    await advance(10);
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.tree().state).toBe('stopped');
    expect(svc.starts).toEqual([]);
  });
});

describe('details in getTree', () => {
  it('shows the pattern, the time zone and the next 3 fire times', async () => {
    const svc = launch({ cron: '*/5 * * * * *', timezone: 'Europe/Paris' });
    await settle();
    expect(svc.tree().details).toEqual({
      cron: '*/5 * * * * *',
      timezone: 'Europe/Paris',
      next: [at('10:00:05'), at('10:00:10'), at('10:00:15')],
      skipped: 0,
    });
  });

  it("shows the system's time zone when none is given", async () => {
    const svc = launch({ cron: '* * * * * *' });
    await settle();
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect((svc.tree().details as CronDetails | undefined)?.timezone).toBe(zone);
  });
});

describe('options', () => {
  const base = { id: 'c', cron: '* * * * * *', run() {} };
  const make = (patch: Record<string, unknown>) => () =>
    createCronService({ ...base, ...patch } as unknown as CronServiceOptions);

  for (const spec of ['61 * * * * *', 'not a cron', '* * * *', '0 0 0 1 1 * 2020', '']) {
    it(`throws ServiceConfigError quoting an invalid or dead pattern ("${spec}")`, () => {
      expect(make({ cron: spec })).toThrow(ServiceConfigError);
      expect(make({ cron: spec })).toThrow(expect.objectContaining({ option: 'cron' }));
      expect(make({ cron: spec })).toThrow(`got \`${JSON.stringify(spec)}\` (string)`);
    });
  }

  it('throws ServiceConfigError naming `cron` when it is not a string', () => {
    expect(make({ cron: 5 })).toThrow(expect.objectContaining({ option: 'cron' }));
  });

  it('throws ServiceConfigError naming `timezone` for an unknown zone', () => {
    expect(make({ timezone: 'Mars/Olympus' })).toThrow(
      expect.objectContaining({ option: 'timezone', code: 'SERVICE_CONFIG_INVALID' }),
    );
    expect(make({ timezone: 'Mars/Olympus' })).toThrow('"Mars/Olympus"');
  });

  it('throws ServiceConfigError naming `run` when it is missing', () => {
    expect(make({ run: undefined })).toThrow(expect.objectContaining({ option: 'run' }));
  });

  it('rejects an unknown option (a typo, or an option of another kind)', () => {
    for (const option of ['crn', 'every', 'pause']) {
      expect(make({ [option]: 1 })).toThrow(
        expect.objectContaining({ option, code: 'SERVICE_CONFIG_UNKNOWN_OPTION' }),
      );
    }
  });
});

describe('under a supervisor', () => {
  for (const [strategy, order, expected] of STRATEGY_CASES) {
    it(`${expected ? 'restarts' : 'keeps'} the cron service when a sibling fails (${strategy}, ${order})`, async () => {
      const runs: number[] = [];
      const job = createCronService({
        id: 'job',
        cron: '* * * * * *',
        run: (ctx) => {
          runs.push(ctx.generation);
        },
      });
      const t = supervisedWithSibling(strategy, job, order);
      await advance(1_600);
      expect(runs).toEqual([0, 0]);
      t.actor.send({ type: 'child.fail', id: 'sibling', error: new Error('sibling broke') });
      await advance(1_000);
      expect(t.generations()).toEqual({ job: expected, sibling: 1 });
      expect(t.node('job')?.state).toBe('running');
      expect(runs).toEqual([0, 0, expected]);
    });
  }
});
