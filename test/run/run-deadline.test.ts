/**
 * run() in process, under fake timers: a signal during the start, and what the queues do when
 * the shutdown overruns `shutdownTimeout` (exit: false, so `done` tells how it ended).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createQueueWorker,
  createService,
  createSupervisor,
  type RunHandle,
  run,
} from '../../src/index.ts';
import { advance, deferred, settle, sleep } from '../helpers/async.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';
import { work } from '../kinds/queue-worker-helpers.ts';

let handle: RunHandle | undefined;
let logger: CapturingLogger;
beforeEach(() => {
  vi.useFakeTimers();
  logger = createCapturingLogger();
});
afterEach(() => {
  handle?.actor.stop();
  handle = undefined;
  vi.useRealTimers();
});

/** A sibling whose onStop takes `ms`, within a gracePeriod longer than that. */
function slowToStop(id: string, ms: number) {
  return createService({
    id,
    pause: 50,
    iterate() {},
    gracePeriod: ms * 2,
    onStop: () => sleep(ms),
  });
}

describe('run(): a signal during the start', () => {
  it('stops what has started, runs its onStop, and ends with code 0', async () => {
    const order: string[] = [];
    const first = createService({
      id: 'first',
      pause: 50,
      iterate() {},
      onStop: () => {
        order.push('first stopped');
      },
    });
    const second = createService({
      id: 'second',
      pause: 50,
      iterate() {},
      onStart: () => sleep(1_000),
      onStop: () => {
        order.push('second stopped');
      },
    });
    handle = run(createSupervisor({ id: 'root', children: [first, second] }), {
      exit: false,
      logger,
    });
    await advance(100); // `second` is in its onStart
    process.emit('SIGTERM', 'SIGTERM');
    await advance(1_000);
    await expect(handle.done).resolves.toEqual({ exitCode: 0, reason: 'signal' });
    expect(order).toEqual(['second stopped', 'first stopped']);
    expect(logger.find('signal received while starting')).toHaveLength(1);
    expect(logger.find('running; press Ctrl+C')).toEqual([]);
    await expect(handle.ready).rejects.toMatchObject({ code: 'RUN_ENDED' });
  });
});

describe('run(): the shutdownTimeout deadline', () => {
  it('hands the jobs of a queue worker stopped last to onDiscard before the run ends with 70', async () => {
    const handledJobs: number[] = [];
    const discarded: number[] = [];
    const events: string[] = [];
    const jobs = createQueueWorker({
      id: 'jobs',
      // It honours its signal: the job in flight at the deadline is aborted and handed over.
      handle: work<number>(10, handledJobs),
      onDiscard: (left: number[]) => {
        discarded.push(...left);
        events.push('onDiscard');
      },
    });
    for (let i = 0; i < 1_000; i++) jobs.put(i);
    const root = createSupervisor({
      id: 'root',
      children: [jobs, slowToStop('slow-1', 5_000), slowToStop('slow-2', 5_000)],
    });
    handle = run(root, { exit: false, logger, shutdownTimeout: 1_000 });
    void handle.done.then(() => events.push('done'));
    await advance(500);
    process.emit('SIGTERM', 'SIGTERM');
    await advance(1_000);
    await expect(handle.done).resolves.toEqual({ exitCode: 70, reason: 'timeout' });
    expect(events).toEqual(['onDiscard', 'done']);
    const handled = handledJobs.length;
    expect(handled).toBeGreaterThan(0);
    expect(handled + discarded.length).toBe(1_000);
    // Not one twice, not one missing, the next job to take first.
    expect(new Set(discarded).size).toBe(discarded.length);
    expect(discarded[0]).toBe(handled);
    expect(logger.find(`${discarded.length} unprocessed task(s) handed to onDiscard`)).toHaveLength(
      1,
    );
    await advance(10_000);
  });

  it('without onDiscard, logs the count of jobs left and keeps them in pending()', async () => {
    const jobs = createQueueWorker({ id: 'jobs', handle: () => sleep(10) });
    for (let i = 0; i < 100; i++) jobs.put(i);
    const root = createSupervisor({ id: 'root', children: [jobs, slowToStop('slow', 5_000)] });
    handle = run(root, { exit: false, logger, shutdownTimeout: 200 });
    await settle();
    process.emit('SIGTERM', 'SIGTERM');
    await advance(200);
    await expect(handle.done).resolves.toMatchObject({ exitCode: 70 });
    const [left] = logger.find('shutdownTimeout ran out with');
    expect(left).toMatchObject({ level: 'error', fields: { service: 'jobs' } });
    expect(left?.fields.unprocessed).toBe(jobs.pending().length);
    expect(jobs.pending().length).toBeGreaterThan(0);
    await advance(10_000);
  });

  it('hands the jobs over on a second signal too', async () => {
    const discarded: number[] = [];
    const jobs = createQueueWorker({
      id: 'jobs',
      handle: () => sleep(10),
      onDiscard: (left: number[]) => {
        discarded.push(...left);
      },
    });
    for (let i = 0; i < 100; i++) jobs.put(i);
    const root = createSupervisor({ id: 'root', children: [jobs, slowToStop('slow', 5_000)] });
    handle = run(root, { exit: false, logger });
    await settle();
    process.emit('SIGTERM', 'SIGTERM');
    await advance(100);
    process.emit('SIGINT', 'SIGINT');
    await settle();
    await expect(handle.done).resolves.toEqual({ exitCode: 70, reason: 'timeout' });
    expect(discarded.length).toBeGreaterThan(0);
    await advance(10_000);
  });

  it('waits for onDiscard no longer than discardTimeout', async () => {
    const never = deferred();
    const jobs = createQueueWorker({
      id: 'jobs',
      handle: () => sleep(10),
      onDiscard: () => never.promise,
    });
    for (let i = 0; i < 100; i++) jobs.put(i);
    const root = createSupervisor({ id: 'root', children: [jobs, slowToStop('slow', 5_000)] });
    handle = run(root, { exit: false, logger, shutdownTimeout: 200, discardTimeout: 300 });
    let result: unknown;
    void handle.done.then((r) => {
      result = r;
    });
    await settle();
    process.emit('SIGTERM', 'SIGTERM');
    await advance(200 + 299);
    expect(result).toBeUndefined();
    await advance(1);
    expect(result).toEqual({ exitCode: 70, reason: 'timeout' });
    expect(logger.find('did not settle within discardTimeout')[0]?.level).toBe('error');
    await advance(10_000);
  });
});
