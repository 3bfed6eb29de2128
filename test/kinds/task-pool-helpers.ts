/**
 * Shared by the task pool tests: handlers held open until the test lets them finish, so the
 * tests assert which tasks started, and in what order, without measuring time.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import { type AnyActorRef, createActor } from 'xstate';
import type { QueueTaskContext } from '../../src/kinds/queue-worker-options.ts';
import { type Deferred, deferred } from '../helpers/async.ts';

/** Handlers that start, record their task, and end when `finish(task)` is called. */
export function gates() {
  const started: string[] = [];
  const open = new Map<string, Deferred<void>>();
  return {
    started,
    /** A handler for `createQueueWorker`: honours its signal (rejects with the reason). */
    handle(task: string, ctx: QueueTaskContext): Promise<void> {
      started.push(task);
      const d = deferred();
      open.set(task, d);
      const onAbort = () => {
        if (open.get(task) === d) open.delete(task);
        d.reject(ctx.signal.reason);
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      return d.promise;
    },
    /** Lets the handler of `task` end (it must have started). */
    finish(task: string): void {
      const d = open.get(task);
      if (!d) throw new Error(`task "${task}" has not started; started: ${started.join(', ')}`);
      open.delete(task);
      d.resolve();
    },
    /** The tasks whose handler runs now. */
    running(): string[] {
      return [...open.keys()];
    },
  };
}

/**
 * Fake timers for each test, and a `start(machine)` whose actors are stopped after it. Call
 * once per test file.
 */
export function startedActors(): (machine: Parameters<typeof createActor>[0]) => AnyActorRef {
  const actors: AnyActorRef[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    for (const a of actors.splice(0)) a.stop();
    vi.useRealTimers();
  });
  return (machine) => {
    const actor = createActor(machine).start();
    actors.push(actor);
    return actor;
  };
}
