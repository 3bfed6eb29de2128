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

describe('queue worker: stop policies', () => {
  it("drains on stop (default 'drain'): every queued task is handled before stopped", async () => {
    const handled: number[] = [];
    const onDiscard = vi.fn();
    const worker = createQueueWorker({
      id: 'drain',
      logger,
      onDiscard,
      handle: work(100, handled),
    });
    for (let i = 1; i <= 5; i++) worker.put(i);
    const actor = createActor(worker).start();
    await advance(50);
    actor.send({ type: 'service.stop' });
    await advance(300);
    expect(getTree(actor).state).toBe('stopping');
    await advance(150);
    expect(getTree(actor).state).toBe('stopped');
    expect(handled).toEqual([1, 2, 3, 4, 5]);
    expect(onDiscard).not.toHaveBeenCalled();
    expect(worker.pending()).toEqual([]);
  });

  it('bounds the drain by gracefulWaitTimeout, then gives onDiscard exactly the unprocessed tasks', async () => {
    const handled: number[] = [];
    const discarded: number[] = [];
    const worker = createQueueWorker({
      id: 'short',
      logger,
      gracePeriod: 220,
      onDiscard: (tasks: number[]) => {
        discarded.push(...tasks);
      },
      handle: work(100, handled),
    });
    for (let i = 1; i <= 5; i++) worker.put(i);
    const actor = createActor(worker).start();
    await advance(50);
    actor.send({ type: 'service.stop' }); // drain until 270: 1 and 2 done, 3 in flight
    await advance(250);
    expect(getTree(actor).state).toBe('stopped');
    expect(handled).toEqual([1, 2]);
    expect(discarded.sort()).toEqual([3, 4, 5]);
    expect(worker.pending()).toEqual([]);
    expect(details(actor).processed).toBe(2);
  });

  it("with 'discard', finishes the handler in flight and hands the queued tasks to onDiscard", async () => {
    const handled: number[] = [];
    const onDiscard = vi.fn();
    const worker = createQueueWorker({
      id: 'discard',
      logger,
      stopPolicy: 'discard',
      onDiscard,
      handle: work(100, handled),
    });
    for (let i = 1; i <= 5; i++) worker.put(i);
    const actor = createActor(worker).start();
    await advance(50);
    actor.send({ type: 'service.stop' });
    await advance(49);
    expect(getTree(actor).state).toBe('stopping');
    await advance(1);
    expect(getTree(actor).state).toBe('stopped');
    expect(handled).toEqual([1]);
    expect(onDiscard).toHaveBeenCalledOnce();
    expect(onDiscard).toHaveBeenCalledWith([2, 3, 4, 5]);
    expect(worker.pending()).toEqual([]);
  });

  it('without onDiscard, keeps the unprocessed tasks queued, warns with their count, and handles them at the next start', async () => {
    const handled: number[] = [];
    const worker = createQueueWorker({
      id: 'keep',
      logger,
      stopPolicy: 'discard',
      handle: work(100, handled),
    });
    for (let i = 1; i <= 4; i++) worker.put(i);
    const actor = createActor(worker).start();
    await advance(50);
    actor.send({ type: 'service.stop' });
    await advance(50);
    expect(getTree(actor).state).toBe('stopped');
    expect(worker.pending()).toEqual([2, 3, 4]);
    const [warning] = logger.find('unprocessed');
    expect(warning).toMatchObject({ level: 'warn', fields: { service: 'keep', unprocessed: 3 } });
    actor.send({ type: 'service.start' });
    await advance(300);
    expect(handled).toEqual([1, 2, 3, 4]);
  });

  it('never holds a stop beyond gracePeriod, even with a handler that ignores its signal', async () => {
    const discarded: string[][] = [];
    let finish!: () => void;
    const worker = createQueueWorker({
      id: 'stubborn',
      logger,
      gracePeriod: 1_000,
      onDiscard: (tasks: string[]) => {
        discarded.push(tasks);
      },
      handle: (_task: string) =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    });
    worker.put('stuck');
    worker.put('queued');
    const actor = createActor(worker).start();
    await settle();
    actor.send({ type: 'service.stop' });
    await advance(999);
    expect(getTree(actor).state).toBe('stopping');
    await advance(1);
    expect(getTree(actor).state).toBe('stopped');
    // The stop gave up on 'stuck': its task is handed back with the queued one, not lost.
    expect(discarded).toEqual([['stuck', 'queued']]);
    expect(logger.find('graceful tasks still running')).toHaveLength(1);
    finish(); // it ends late: counted as processed and warned about, nothing handed over twice
    await settle();
    expect(details(actor)).toMatchObject({ processed: 1, inFlight: 0 });
    expect(discarded).toEqual([['stuck', 'queued']]);
  });

  it('on a hard reset, aborts the handlers in flight, drains nothing, and takes their tasks again first', async () => {
    const started: string[] = [];
    const handled: string[] = [];
    const slow = work(100, handled);
    const worker = createQueueWorker({
      id: 'reset',
      logger,
      handle: (task: string, ctx) => {
        started.push(`${task}@${ctx.generation}`);
        return slow(task, ctx);
      },
    });
    for (const task of ['a', 'b', 'c']) worker.put(task);
    const actor = createActor(worker).start();
    await advance(50);
    actor.send({ type: 'service.hard-reset' });
    await settle();
    expect(getTree(actor).generation).toBe(1);
    await advance(300);
    expect(started).toEqual(['a@0', 'a@1', 'b@1', 'c@1']);
    expect(handled).toEqual(['a', 'b', 'c']);
    expect(getTree(actor).failures).toBe(0);
  });
});
