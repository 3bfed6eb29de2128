/**
 * A queue worker whose handlers wait until released: with `concurrency: 1` and three tasks
 * put, its figures hold still at one in flight and two queued, for tests that read them.
 */
import { createQueueWorker, silentLogger } from '../../src/index.ts';

/** A queue worker `id` whose handlers wait for `release()`. */
export function heldQueue(id: string, capacity?: number) {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const worker = createQueueWorker({
    id,
    concurrency: 1,
    ...(capacity === undefined ? {} : { capacity }),
    logger: silentLogger,
    handle: async (_task: number) => {
      await held;
    },
  });
  return { worker, release: () => release() };
}
