/**
 * A CPU-bound infinite loop in a worker thread, killed on stop, while a timer in the main
 * thread keeps ticking. Run: `node --import tsx examples/worker-thread/main.ts`.
 */
import { createActor, waitFor } from 'xstate';
import { createWorkerService, getTree, shutdown, silentLogger } from '../../src/index.ts';

const spinner = createWorkerService({
  id: 'spinner',
  module: new URL('./spin.ts', import.meta.url),
  gracePeriod: 500,
  logger: silentLogger,
});

let last = performance.now();
let maxGap = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  maxGap = Math.max(maxGap, now - last);
  last = now;
}, 20);

const actor = createActor(spinner).start();
// The thread loads its module first (a second or more on a cold start); then it spins.
await waitFor(actor, (s) => s.matches('running'), { timeout: 10_000 });
await new Promise((resolve) => setTimeout(resolve, 300));
const { details } = getTree(actor);
console.log(`spinner: running in thread ${(details as { threadId: number }).threadId}`);
const t0 = performance.now();
await shutdown(actor);
console.log(`spinner: ${getTree(actor).state} after ${Math.round(performance.now() - t0)} ms`);
await new Promise((resolve) => setTimeout(resolve, 50));
clearInterval(ticker);
console.log(`main thread: longest gap between 20 ms ticks ${Math.round(maxGap)} ms`);
