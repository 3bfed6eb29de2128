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

let ticks = 0;
const ticker = setInterval(() => {
  ticks += 1;
}, 20);

const actor = createActor(spinner).start();
// The thread loads its module first (a second or more on a cold start); then it spins.
await waitFor(actor, (s) => s.matches('running'), { timeout: 10_000 });
// The thread spins from here on; the main thread's timer goes on ticking beside it.
const before = ticks;
await new Promise((resolve) => setTimeout(resolve, 300));
const whileSpinning = ticks - before;
const { details } = getTree(actor);
console.log(`spinner: running in thread ${(details as { threadId: number }).threadId}`);
const t0 = performance.now();
await shutdown(actor);
console.log(`spinner: ${getTree(actor).state} after ${Math.round(performance.now() - t0)} ms`);
clearInterval(ticker);
console.log(`main thread: ${whileSpinning} ticks of its 20 ms timer while the thread spun 300 ms`);
