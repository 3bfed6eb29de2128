import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { getTree } from '../../src/actors/tree.ts';
import { createMemoryQueue, type TaskQueue } from '../../src/kinds/queue.ts';
import { createQueueWorker } from '../../src/kinds/queue-worker.ts';
import { QueueFullError } from '../../src/kinds/queue-worker-options.ts';
import { advance, settle } from '../helpers/async.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';
import { details, work } from './queue-worker-helpers.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A handler that takes `ms` and honours its signal (rejects with the abort reason). */
let logger: CapturingLogger;
beforeEach(() => {
  logger = createCapturingLogger();
});

describe('queue worker: order and concurrency', () => {
  it('handles tasks by priority, FIFO within a priority', async () => {
    const handled: string[] = [];
    const worker = createQueueWorker({ id: 'order', logger, handle: work(10, handled) });
    worker.put('a');
    worker.put('b', { priority: 5 });
    worker.put('c');
    worker.put('d', { priority: 5 });
    worker.put('e', { priority: -1 });
    createActor(worker).start();
    await advance(100);
    expect(handled).toEqual(['b', 'd', 'a', 'c', 'e']);
  });

  it('never runs more than `concurrency` handlers at once, and keeps every slot busy', async () => {
    let inFlight = 0;
    let max = 0;
    const worker = createQueueWorker({
      id: 'pool',
      logger,
      concurrency: 3,
      async handle(_task: number, ctx) {
        inFlight++;
        max = Math.max(max, inFlight);
        await work(100)(_task, ctx);
        inFlight--;
      },
    });
    for (let i = 0; i < 10; i++) worker.put(i);
    const actor = createActor(worker).start();
    await advance(50);
    expect(details(actor)).toEqual({ queued: 7, inFlight: 3, processed: 0, capacity: null });
    await advance(350);
    expect(max).toBe(3);
    expect(details(actor)).toEqual({ queued: 0, inFlight: 0, processed: 10, capacity: null });
  });

  it('waits for work without spinning: an idle worker runs no iteration', async () => {
    const worker = createQueueWorker({ id: 'idle', logger, handle() {} });
    const actor = createActor(worker).start();
    await advance(10_000);
    expect(getTree(actor).iterations).toBe(0);
    worker.put('x');
    await settle();
    expect(details(actor).processed).toBe(1);
  });

  it('shares the definition queue between two actors of one worker', async () => {
    const byActor: Record<string, number> = {};
    const worker = createQueueWorker({
      id: 'shared',
      logger,
      handle: async (_task: number, ctx) => {
        await work(100)(_task, ctx);
        byActor[ctx.generation] = (byActor[ctx.generation] ?? 0) + 1;
      },
    });
    for (let i = 0; i < 4; i++) worker.put(i);
    const a = createActor(worker).start();
    const b = createActor(worker).start();
    await advance(200);
    expect(details(a).processed + details(b).processed).toBe(4);
    expect(details(a).processed).toBe(2);
    expect(worker.pending()).toEqual([]);
  });

  it('takes from a pluggable queue', async () => {
    const inner = createMemoryQueue<string>({ capacity: 5 });
    const puts: string[] = [];
    const queue: TaskQueue<string> = {
      put: (task, priority) => {
        puts.push(task);
        return inner.put(task, priority);
      },
      take: (signal) => inner.take(signal),
      drain: () => inner.drain(),
      toArray: () => inner.toArray(),
      get size() {
        return inner.size;
      },
      capacity: 5,
    };
    const handled: string[] = [];
    const worker = createQueueWorker({ id: 'custom', logger, queue, handle: work(1, handled) });
    worker.put('x');
    expect(worker.queue).toBe(queue);
    const actor = createActor(worker).start();
    await advance(10);
    expect(puts).toEqual(['x']);
    expect(handled).toEqual(['x']);
    expect(details(actor).capacity).toBe(5);
  });
});

describe('queue worker: a full queue', () => {
  it("throws QueueFullError (QUEUE_FULL) naming the worker and capacity with onFull: 'reject'", () => {
    const worker = createQueueWorker({ id: 'tiny', logger, capacity: 2, handle() {} });
    worker.put(1);
    worker.put(2);
    let error: unknown;
    try {
      worker.put(3);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QueueFullError);
    expect(error).toMatchObject({ code: 'QUEUE_FULL', service: 'tiny', capacity: 2 });
    expect((error as Error).message).toContain('"tiny"');
    expect((error as Error).message).toContain('capacity 2');
    expect(worker.pending()).toEqual([1, 2]);
  });

  it("applies backpressure with onFull: 'wait': put resolves once the task is queued", async () => {
    const handled: number[] = [];
    const worker = createQueueWorker({
      id: 'bp',
      logger,
      capacity: 1,
      onFull: 'wait',
      handle: work(100, handled),
    });
    const accepted: number[] = [];
    for (const n of [1, 2, 3]) void worker.put(n).then(() => accepted.push(n));
    await settle();
    expect(accepted).toEqual([1]);
    expect(worker.pending()).toEqual([1]);
    createActor(worker).start();
    await settle(); // 1 taken: 2 gets in
    expect(accepted).toEqual([1, 2]);
    await advance(100); // 1 done, 2 taken: 3 gets in
    expect(accepted).toEqual([1, 2, 3]);
    await advance(200);
    expect(handled).toEqual([1, 2, 3]);
  });

  it('lets a waiting put give up through its signal, and the task is not queued', async () => {
    const worker = createQueueWorker({
      id: 'bp2',
      logger,
      capacity: 1,
      onFull: 'wait',
      handle() {},
    });
    await worker.put('a');
    const controller = new AbortController();
    const waiting = worker.put('b', { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(waiting).rejects.toThrow('caller gave up');
    expect(worker.pending()).toEqual(['a']);
  });

  it('rejects a priority that is not a finite number', () => {
    const worker = createQueueWorker({ id: 'prio', logger, handle() {} });
    expect(() => worker.put('a', { priority: Number.POSITIVE_INFINITY })).toThrow(TypeError);
  });
});

describe('queue worker: failures', () => {
  it('counts a throwing task as a failure; failure maxFailures + 1 fails the worker and the rest stay queued', async () => {
    const worker = createQueueWorker({
      id: 'flaky',
      logger,
      maxFailures: 2,
      handle(task: string) {
        if (task.startsWith('bad')) throw new Error(`cannot handle ${task}`);
      },
    });
    for (const t of ['ok', 'bad-1', 'bad-2', 'bad-3', 'later-1', 'later-2']) worker.put(t);
    const actor = createActor(worker).start();
    await settle();
    expect(getTree(actor)).toMatchObject({
      state: 'failed',
      failures: 3,
      lastError: { message: 'cannot handle bad-3' },
    });
    expect(details(actor).processed).toBe(4);
    expect(worker.pending()).toEqual(['later-1', 'later-2']);
    expect(logger.find('stay queued for the restart')).toHaveLength(1);
  });

  it('keeps running while failures stay within maxFailures', async () => {
    const worker = createQueueWorker({
      id: 'tolerant',
      logger,
      maxFailures: 1,
      handle(task: number) {
        if (task === 2) throw new Error('two');
      },
    });
    for (let i = 1; i <= 4; i++) worker.put(i);
    const actor = createActor(worker).start();
    await settle();
    expect(getTree(actor)).toMatchObject({ state: 'running', failures: 1 });
    expect(details(actor).processed).toBe(4);
  });
});
