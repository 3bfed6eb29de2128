/**
 * A lone service run as an application: `run()` starts it, and SIGINT/SIGTERM stop it
 * gracefully. Its behaviour can be tuned from the environment (the run tests use that):
 *
 * - `PERIOD`: minPeriod between iterations, ms (default 1000)
 * - `GRACE_PERIOD`: the service's gracePeriod, ms (default 5000)
 * - `SHUTDOWN_TIMEOUT`: run()'s shutdownTimeout, ms (default 10000)
 * - `ON_STOP_DELAY`: how long onStop takes, ms (default 0)
 * - `FAIL=1`: every iteration throws, so the service (the root) fails after `maxFailures`
 *
 * Run it with `node --import tsx examples/lone-service/main.ts`, then press Ctrl+C.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createService, run } from '../../src/index.ts';

function ms(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a number of milliseconds >= 0, got "${raw}"`);
  }
  return value;
}

const failing = process.env.FAIL === '1';
const onStopDelay = ms('ON_STOP_DELAY', 0);

const heartbeat = createService({
  id: 'heartbeat',
  minPeriod: ms('PERIOD', 1_000),
  gracePeriod: ms('GRACE_PERIOD', 5_000),
  maxFailures: 2,
  onStart(ctx) {
    console.log(`onStart ran (generation ${ctx.generation})`);
  },
  async iterate(ctx) {
    if (failing) throw new Error(`heartbeat ${ctx.iteration} failed on purpose`);
    console.log(`tick ${ctx.iteration}`);
  },
  async onStop() {
    if (onStopDelay > 0) await sleep(onStopDelay);
    console.log('onStop ran');
  },
});

const handle = run(heartbeat, { shutdownTimeout: ms('SHUTDOWN_TIMEOUT', 10_000) });
const result = await handle.done;
console.log(`run ended: exit code ${result.exitCode} (${result.reason})`);
