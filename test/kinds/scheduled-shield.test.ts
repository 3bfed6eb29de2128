import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnyActorRef } from 'xstate';
import type { ServiceContext } from '../../src/core/service-options.ts';
import { getTree, type ServiceMachine } from '../../src/index.ts';
import { createCronService } from '../../src/kinds/cron.ts';
import { createPeriodicService } from '../../src/kinds/periodic.ts';
import { createRecurringService } from '../../src/kinds/recurring.ts';
import { advance, settle } from '../helpers/async.ts';
import { startTracked, stopAll } from '../helpers/scheduled.ts';

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-03-02T10:00:00.000Z') });
});
afterEach(() => {
  stopAll();
  vi.useRealTimers();
});

/** A run of `ms` (fake time) that ends early if its signal aborts; it records what it saw. */
function slowRun(ms: number, seen: string[]) {
  return (ctx: ServiceContext) =>
    new Promise<void>((resolve) => {
      const signal = ctx.signal;
      const timer = setTimeout(() => {
        seen.push(`run ${ctx.iteration} finished, aborted=${signal.aborted}`);
        resolve();
      }, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        seen.push(`run ${ctx.iteration} aborted: ${(signal.reason as Error).message}`);
        resolve();
      });
    });
}

type Make = (shield: boolean, run: (ctx: ServiceContext) => unknown) => ServiceMachine;

/** The kind, how to make it, and when its first run starts (cron: the next whole second). */
const KINDS: [string, Make, number][] = [
  [
    'periodic',
    (shield, run) =>
      createPeriodicService({ id: 'job', every: 1_000, gracePeriod: 500, shield, run }),
    0,
  ],
  [
    'cron',
    (shield, run) =>
      createCronService({ id: 'job', cron: '* * * * * *', gracePeriod: 500, shield, run }),
    1_000,
  ],
  [
    'recurring',
    (shield, run) =>
      createRecurringService({
        id: 'job',
        every: 1_000,
        gracePeriod: 500,
        shield,
        run: async (ctx) => {
          await run(ctx);
          return 'skip' as const;
        },
      }),
    0,
  ],
];

describe.each(KINDS)('shield (%s)', (_kind, make, firstAt) => {
  /** Starts the kind and waits until its first run is in flight. */
  async function inFlight(make: Make, shield: boolean, runMs: number) {
    const seen: string[] = [];
    const actor: AnyActorRef = startTracked(make(shield, slowRun(runMs, seen)));
    await advance(firstAt);
    expect(getTree(actor).iterations).toBe(0);
    return { actor, seen };
  }

  it('lets the run in flight finish on stop, its signal never aborted', async () => {
    const { actor, seen } = await inFlight(make, true, 300);
    actor.send({ type: 'service.stop' });
    await settle();
    expect(getTree(actor).state).toBe('stopping');
    expect(seen).toEqual([]);
    await advance(300);
    expect(seen).toEqual(['run 0 finished, aborted=false']);
    expect(getTree(actor).state).toBe('stopped');
  });

  it('aborts the run only when it outlasts gracePeriod (the generation is killed)', async () => {
    const { actor, seen } = await inFlight(make, true, 10_000);
    actor.send({ type: 'service.stop' });
    await advance(499);
    expect(seen).toEqual([]);
    await advance(1);
    expect(seen).toEqual([
      'run 0 aborted: The shielded run outlasted the gracePeriod; its generation is killed.',
    ]);
    await settle();
    expect(getTree(actor).state).toBe('stopped');
  });

  it('without shield, the stop aborts the run at once (the contrast)', async () => {
    const { actor, seen } = await inFlight(make, false, 300);
    actor.send({ type: 'service.stop' });
    await settle();
    expect(seen).toEqual(['run 0 aborted: The service is stopping.']);
    expect(getTree(actor).state).toBe('stopped');
  });

  it('gives the run the rest of its context: iteration, generation, stop and fail', async () => {
    const got: unknown[] = [];
    const machine = make(true, (ctx) => {
      got.push(ctx.id, ctx.iteration, ctx.generation, typeof ctx.stop, typeof ctx.fail);
      ctx.fail(new Error('counted'));
    });
    const actor = startTracked(machine);
    await advance(firstAt);
    expect(got.slice(0, 5)).toEqual(['job', 0, 0, 'function', 'function']);
    expect(getTree(actor).failures).toBeGreaterThanOrEqual(1);
  });
});
