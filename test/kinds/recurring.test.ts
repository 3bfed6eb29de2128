import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getTree, ServiceConfigError } from '../../src/index.ts';
import {
  createRecurringService,
  type RecurringDetails,
  type RecurringServiceOptions,
} from '../../src/kinds/recurring.ts';
import { decideNext, RecurringResultError } from '../../src/kinds/recurring-next.ts';
import { advance, settle, sleep } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { startTracked, stopAll, track } from '../helpers/scheduled.ts';
import { nextReport, startSupervisor } from '../helpers/supervisor.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  stopAll();
  vi.useRealTimers();
});

/** Starts a recurring service alone; `answers[i]` is what run i returns (after `took[i]` ms). */
function launch(
  answers: readonly unknown[],
  options: Partial<Omit<RecurringServiceOptions, 'run' | 'id' | 'logger'>> & {
    took?: readonly number[];
  } = {},
) {
  const { took, ...rest } = options;
  const logger = createCapturingLogger();
  const starts: number[] = [];
  const t0 = Date.now();
  const machine = createRecurringService({
    id: 'poll',
    every: 100,
    ...rest,
    logger,
    async run(ctx) {
      starts.push(Date.now() - t0);
      const ms = took?.[ctx.iteration] ?? 0;
      if (ms > 0) await sleep(ms);
      const answer = ctx.iteration < answers.length ? answers[ctx.iteration] : 'skip';
      if (answer instanceof Error) throw answer;
      return answer as never;
    },
  });
  const actor = startTracked(machine);
  return {
    actor,
    logger,
    starts,
    tree: () => getTree(actor),
    details: () => getTree(actor).details as RecurringDetails | undefined,
  };
}

describe('the next-run rule (pure)', () => {
  it('takes a number as the new delay, keeps the delay on skip, ends on stop', () => {
    expect(decideNext(250, 1_000)).toEqual({ kind: 'delay', delay: 250 });
    expect(decideNext(0, 1_000)).toEqual({ kind: 'delay', delay: 0 });
    expect(decideNext('skip', 1_000)).toEqual({ kind: 'skip', delay: 1_000 });
    expect(decideNext('stop', 1_000)).toEqual({ kind: 'stop' });
  });

  it('calls anything else invalid: negative, NaN, too long for a timer, undefined, other strings', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, undefined, 'later', {}]) {
      expect(decideNext(bad, 5)).toEqual({ kind: 'invalid', received: bad });
    }
  });
});

describe('the delay the run returns', () => {
  it('starts the next run that long after this one ended, and keeps it as the cadence', async () => {
    // Run 0 takes 10 ms and asks for 50; run 1 skips (50 again); run 2 asks for 200.
    const svc = launch([50, 'skip', 200, 'skip'], { took: [10, 0, 0, 0] });
    await advance(520);
    expect(svc.starts).toEqual([0, 60, 110, 310, 510]);
    expect(svc.details()).toMatchObject({ every: 100, delay: 200, skipped: 3 });
  });

  it('waits `every` until the run returns a number, and `delay` before the first run', async () => {
    const svc = launch(['skip', 'skip', 30], { delay: 40 });
    await advance(39);
    expect(svc.starts).toEqual([]);
    await advance(301);
    expect(svc.starts).toEqual([40, 140, 240, 270, 300, 330]);
  });

  it('shows the time to the next run while it waits', async () => {
    const svc = launch([300]);
    await advance(100);
    expect(svc.details()).toEqual({ every: 100, delay: 300, skipped: 0, nextRunIn: 200 });
  });

  it('never waits out a delay on stop', async () => {
    const svc = launch([3_600_000]);
    await advance(10);
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.tree().state).toBe('stopped');
    expect(svc.starts).toEqual([0]);
  });

  it('starts each generation again at `every`', async () => {
    const svc = launch([10, 10, 10, 10, 10, 10, 10, 10]);
    await advance(25);
    svc.actor.send({ type: 'service.stop' });
    await settle();
    svc.actor.send({ type: 'service.start' });
    await settle();
    // iteration numbers restart at 0 in the new generation: it answers 10 again, after `every`.
    expect(svc.details()).toMatchObject({ delay: 10, skipped: 0 });
    expect(svc.tree().generation).toBe(1);
  });
});

describe("'stop'", () => {
  it('ends the service normally after that run, with no further run', async () => {
    const svc = launch([10, 'stop', 10]);
    await advance(500);
    expect(svc.starts).toEqual([0, 10]);
    expect(svc.tree().state).toBe('stopped');
    expect(svc.tree().failures).toBe(0);
  });

  it('is a normal end under a supervisor: a transient recurrence is not restarted', async () => {
    const poll = createRecurringService({
      id: 'poll',
      every: 10,
      restart: 'transient',
      run: (ctx) => (ctx.iteration === 2 ? 'stop' : 10),
    });
    const sup = startSupervisor({ id: 'root', strategy: 'one-for-one', children: [poll] }).actor;
    track(sup);
    const stopped = nextReport(sup, 'child.stopped');
    await advance(30);
    await expect(stopped).resolves.toMatchObject({ id: 'poll' });
    await advance(100);
    const child = getTree(sup).children?.[0];
    expect(child).toMatchObject({ state: 'stopped', iterations: 3, generation: 0 });
  });
});

describe('failures', () => {
  it('counts a throw as a failure and keeps the current delay', async () => {
    const svc = launch([40, new Error('upstream down'), 'skip']);
    await advance(120);
    expect(svc.starts).toEqual([0, 40, 80, 120]);
    expect(svc.tree().failures).toBe(1);
    expect(svc.tree().lastError?.message).toBe('upstream down');
  });

  it('counts a value that is not a delay, skip or stop as a RecurringResultError naming it', async () => {
    const svc = launch([20, undefined, -5]);
    await advance(41);
    expect(svc.starts).toEqual([0, 20, 40]);
    expect(svc.tree().failures).toBe(2);
    const errors = svc.logger.at('error').map((e) => e.fields.err);
    expect(errors[0]).toBeInstanceOf(RecurringResultError);
    expect(errors[0]).toMatchObject({
      code: 'RECURRING_RESULT_INVALID',
      service: 'poll',
      received: undefined,
    });
    expect(svc.tree().lastError?.message).toBe(
      "Recurring service \"poll\": `run` returned `-5` (number); expected a number of milliseconds >= 0 and <= 2147483647, 'skip' or 'stop'. The next run comes after the current delay (20 ms); return a value from every path of `run`.",
    );
  });

  it('fails the service on failure number maxFailures + 1', async () => {
    const svc = launch([new Error('a'), new Error('b')], { maxFailures: 1, every: 5 });
    await advance(10);
    expect(svc.tree().state).toBe('failed');
  });
});

describe('options', () => {
  it('refuses a missing or bad `every`, a bad `delay`, a missing `run` and an unknown option', () => {
    const run = () => 'skip' as const;
    const cases: [unknown, string, unknown][] = [
      [{ id: 'r', run }, 'every', undefined],
      [{ id: 'r', every: -1, run }, 'every', -1],
      [{ id: 'r', every: 10, delay: Number.NaN, run }, 'delay', Number.NaN],
      [{ id: 'r', every: 10 }, 'run', undefined],
      [{ id: 'r', every: 10, run, shield: 'yes' }, 'shield', 'yes'],
      [{ id: 'r', every: 10, run, interval: 5 }, 'interval', 5],
    ];
    for (const [options, option, received] of cases) {
      const error = (() => {
        try {
          createRecurringService(options as RecurringServiceOptions);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ServiceConfigError);
      expect(error).toMatchObject({ option, received, owner: 'r' });
      expect((error as ServiceConfigError).expected.length).toBeGreaterThan(0);
    }
  });
});
