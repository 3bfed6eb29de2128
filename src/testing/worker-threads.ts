/**
 * Counting the live threads of worker-thread services, for tests. The production module only
 * publishes each thread on a diagnostics channel while someone listens; this module listens
 * from the moment it is loaded.
 */
import { subscribe } from 'node:diagnostics_channel';
import { WORKER_THREAD_CHANNEL, type WorkerThreadStarted } from '../isolation/worker-service.ts';

/** The live threads of each worker-thread service definition. */
const live = new WeakMap<object, Set<Promise<void>>>();

subscribe(WORKER_THREAD_CHANNEL, (message) => {
  const { machine, gone } = message as WorkerThreadStarted;
  const set = live.get(machine) ?? new Set<Promise<void>>();
  live.set(machine, set);
  set.add(gone);
  void gone.then(() => set.delete(gone));
});

/**
 * How many threads of a worker-thread service definition (the machine `createWorkerService`
 * returned) are alive, across all its actors: to check that a stop, a kill or a restart left
 * no thread behind. It counts the threads started since `xstate-supervisor/testing` was first
 * imported; a thread counts until it has exited.
 *
 * @example
 * ```ts
 * import { liveWorkerThreads } from 'xstate-supervisor/testing';
 *
 * await t.shutdown();
 * assert.equal(liveWorkerThreads(crunch), 0);
 * ```
 */
export function liveWorkerThreads(machine: object): number {
  return live.get(machine)?.size ?? 0;
}
