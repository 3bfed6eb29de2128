import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AnyActorRef, createActor } from 'xstate';
import { shutdown } from '../../src/actors/shutdown.ts';
import { getTree } from '../../src/actors/tree.ts';
import { createEventWorker } from '../../src/kinds/event-worker.ts';
import { createQueueWorker } from '../../src/kinds/queue-worker.ts';
import { createService } from '../../src/machines/service.ts';
import { createSupervisor } from '../../src/machines/supervisor.ts';
import type { Strategy } from '../../src/machines/supervisor-options.ts';
import { advance, settle } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const logger = createCapturingLogger();
const plain = (id: string) => createService({ id, pause: 100, iterate() {} });

function generations(actor: AnyActorRef): Record<string, number> {
  return Object.fromEntries((getTree(actor).children ?? []).map((c) => [c.id, c.generation]));
}

function node(actor: AnyActorRef, id: string) {
  return getTree(actor).children?.find((c) => c.id === id);
}

/** Which children each strategy restarts when the middle one (the worker) fails. */
const EXPECTED: Record<Strategy, Record<string, number>> = {
  'one-for-one': { before: 0, worker: 1, after: 0 },
  'one-for-all': { before: 1, worker: 1, after: 1 },
  'rest-for-one': { before: 0, worker: 1, after: 1 },
};
const STRATEGIES = Object.keys(EXPECTED) as Strategy[];

describe('queue worker under a supervisor', () => {
  it.each(STRATEGIES)(
    'is restarted as %s says after its failure, and its queued tasks survive the restart',
    async (strategy) => {
      const handled: string[] = [];
      const worker = createQueueWorker({
        id: 'worker',
        maxFailures: 0,
        handle(task: string, ctx) {
          if (task === 'boom') throw new Error('boom');
          handled.push(`${task}@${ctx.generation}`);
        },
      });
      const root = createActor(
        createSupervisor({
          id: 'root',
          strategy,
          logger,
          children: [plain('before'), worker, plain('after')],
        }),
      ).start();
      await settle();
      expect(generations(root)).toEqual({ before: 0, worker: 0, after: 0 });
      for (const task of ['boom', 'a', 'b']) worker.put(task);
      await advance(10);
      expect(generations(root)).toEqual(EXPECTED[strategy]);
      expect(node(root, 'worker')).toMatchObject({ state: 'running', failures: 0 });
      expect(handled).toEqual(['a@1', 'b@1']);
      expect(worker.pending()).toEqual([]);
      const done = shutdown(root);
      await advance(10);
      await done;
    },
  );

  it('drains its queue when a sibling failure stops it (one-for-all), then carries on', async () => {
    const handled: string[] = [];
    const worker = createQueueWorker({
      id: 'worker',
      handle: async (task: string, ctx) => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        handled.push(`${task}@${ctx.generation}`);
      },
    });
    const failing = createService({
      id: 'failing',
      maxFailures: 0,
      pause: 100,
      iterate(ctx) {
        if (ctx.generation === 0 && ctx.iteration === 1) throw new Error('sibling broke');
      },
    });
    const root = createActor(
      createSupervisor({ id: 'root', logger, children: [worker, failing] }),
    ).start();
    await settle();
    for (const task of ['a', 'b', 'c']) worker.put(task);
    await advance(500);
    expect(generations(root)).toEqual({ worker: 1, failing: 1 });
    // The sibling failed at 100 ms with `a` in flight: the stop drained `b` and `c`.
    expect(handled).toEqual(['a@0', 'b@0', 'c@0']);
    const done = shutdown(root);
    await advance(10);
    await done;
  });
});

describe('event worker under a supervisor', () => {
  it.each(STRATEGIES)('is restarted as %s says after its failure', async (strategy) => {
    const runs: number[] = [];
    const worker = createEventWorker({
      id: 'worker',
      maxFailures: 0,
      handle(ctx) {
        if (ctx.generation === 0) throw new Error('first generation breaks');
        runs.push(ctx.generation);
      },
    });
    const root = createActor(
      createSupervisor({
        id: 'root',
        strategy,
        logger,
        children: [plain('before'), worker, plain('after')],
      }),
    ).start();
    await settle();
    worker.trigger();
    await advance(10);
    expect(generations(root)).toEqual(EXPECTED[strategy]);
    expect(node(root, 'worker')).toMatchObject({ state: 'running', failures: 0 });
    worker.trigger();
    await settle();
    expect(runs).toEqual([1]);
    expect(node(root, 'worker')?.details).toMatchObject({ runs: 2, pending: false }); // the failed run counts;
    const done = shutdown(root);
    await advance(10);
    await done;
  });
});
