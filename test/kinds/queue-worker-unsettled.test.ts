import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { getTree } from '../../src/actors/tree.ts';
import { createQueueWorker } from '../../src/kinds/queue-worker.ts';
import { advance, settle } from '../helpers/async.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';
import { details, work } from './queue-worker-helpers.ts';

let logger: CapturingLogger;
beforeEach(() => {
  vi.useFakeTimers();
  logger = createCapturingLogger();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A handler that never settles for the tasks named in `stuck`, and takes 100 ms otherwise. */
function hangingOn(stuck: readonly string[], handled: string[] = [], started: string[] = []) {
  const slow = work<string>(100, handled);
  return (task: string, ctx: Parameters<typeof slow>[1]) => {
    started.push(`${task}@${ctx.generation}`);
    return stuck.includes(task) && ctx.generation === 0
      ? new Promise<void>(() => {})
      : slow(task, ctx);
  };
}

describe('queue worker: a handler that never settles', () => {
  it('gives its task to onDiscard when the stop gives up on it, and shows no handler in flight', async () => {
    const discarded: string[] = [];
    const worker = createQueueWorker({
      id: 'hang-stop',
      logger,
      gracePeriod: 1_000,
      onDiscard: (tasks: string[]) => {
        discarded.push(...tasks);
      },
      handle: hangingOn(['stuck']),
    });
    worker.put('stuck');
    worker.put('queued');
    const actor = createActor(worker).start();
    await settle();
    actor.send({ type: 'service.stop' });
    await advance(1_000);
    expect(getTree(actor).state).toBe('stopped');
    expect(discarded).toEqual(['stuck', 'queued']);
    expect(details(actor).inFlight).toBe(0);
    expect(worker.pending()).toEqual([]);
  });

  it('without onDiscard, keeps its task in pending() after the stop and handles it at the next start', async () => {
    const handled: string[] = [];
    const worker = createQueueWorker({
      id: 'hang-keep',
      logger,
      gracePeriod: 1_000,
      handle: hangingOn(['stuck'], handled),
    });
    worker.put('stuck');
    const actor = createActor(worker).start();
    await settle();
    actor.send({ type: 'service.stop' });
    await advance(1_000);
    expect(getTree(actor).state).toBe('stopped');
    expect(worker.pending()).toEqual(['stuck']);
    expect(details(actor).inFlight).toBe(0);
    expect(logger.find('unprocessed')[0]?.fields).toMatchObject({ unprocessed: 1 });
    actor.send({ type: 'service.start' });
    await advance(100);
    expect(handled).toEqual(['stuck']);
  });

  it('hands its task back when the stop leaves the handlers running (cancelOnTimeout: false)', async () => {
    const discarded: string[] = [];
    const worker = createQueueWorker({
      id: 'hang-left',
      logger,
      gracePeriod: 1_000,
      gracefulWaitTimeout: 500,
      cancelOnTimeout: false,
      onDiscard: (tasks: string[]) => {
        discarded.push(...tasks);
      },
      handle: hangingOn(['stuck']),
    });
    worker.put('stuck');
    const actor = createActor(worker).start();
    await settle();
    actor.send({ type: 'service.stop' });
    await advance(1_000);
    expect(getTree(actor).state).toBe('stopped');
    expect(discarded).toEqual(['stuck']);
    expect(details(actor).inFlight).toBe(0);
  });

  it('has its task taken again by the next generation after a hard reset', async () => {
    const handled: string[] = [];
    const started: string[] = [];
    const worker = createQueueWorker({
      id: 'hang-reset',
      logger,
      gracePeriod: 1_000,
      handle: hangingOn(['stuck'], handled, started),
    });
    worker.put('stuck');
    worker.put('next');
    const actor = createActor(worker).start();
    await settle();
    actor.send({ type: 'service.hard-reset' });
    await advance(1_000);
    expect(getTree(actor).generation).toBe(1);
    await advance(200);
    expect(started).toEqual(['stuck@0', 'stuck@1', 'next@1']);
    expect(handled).toEqual(['stuck', 'next']);
    expect(details(actor).inFlight).toBe(0);
  });

  it('warns when a handler it gave up on settles after all (the task may be handled twice)', async () => {
    const discarded: string[] = [];
    let finish!: () => void;
    const worker = createQueueWorker({
      id: 'late',
      logger,
      gracePeriod: 1_000,
      onDiscard: (tasks: string[]) => {
        discarded.push(...tasks);
      },
      handle: () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    });
    worker.put('slow');
    const actor = createActor(worker).start();
    await settle();
    actor.send({ type: 'service.stop' });
    await advance(1_000);
    expect(discarded).toEqual(['slow']);
    finish();
    await settle();
    const [late] = logger.find('settled after its task was handed back');
    expect(late).toMatchObject({ level: 'warn', fields: { service: 'late', generation: 0 } });
    expect(details(actor)).toMatchObject({ inFlight: 0, processed: 1 });
    expect(discarded).toEqual(['slow']);
  });
});
