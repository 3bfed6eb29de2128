/**
 * Shared by the queue worker tests: a handler that takes time and honours its signal, and the
 * worker's tree details.
 */
import type { AnyActorRef } from 'xstate';
import { getTree } from '../../src/actors/tree.ts';
import type { QueueTaskContext } from '../../src/kinds/queue-worker-options.ts';

/** A handler that takes `ms` and honours its signal (rejects with the abort reason). */
export function work<T>(ms: number, log: T[] = []) {
  return (task: T, ctx: QueueTaskContext) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        log.push(task);
        resolve();
      }, ms);
      ctx.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(ctx.signal.reason);
        },
        { once: true },
      );
    });
}

export function details(actor: AnyActorRef) {
  return getTree(actor).details as {
    queued: number;
    inFlight: number;
    processed: number;
    capacity: number | null;
  };
}
