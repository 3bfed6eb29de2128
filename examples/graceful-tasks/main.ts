/**
 * Graceful tasks (aiomisc's GracefulService): an `uploader` service starts background work
 * with `ctx.task()`. On stop, the upload (`cancel: false`) is awaited, the prefetch
 * (`cancel: true`) is aborted at once, and the archive, still running when
 * `gracefulWaitTimeout` is over, is aborted then; `onStop` runs after all that. A task that
 * rejects is a counted failure of the service, awaited or not.
 *
 * Run: node --import tsx examples/graceful-tasks/main.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createActor } from 'xstate';
import {
  createService,
  getTree,
  type LogFn,
  type Logger,
  shutdown,
  silentLogger,
} from '../../src/index.ts';

const started = performance.now();
const say = (line: string) => {
  const ms = String(Math.round(performance.now() - started)).padStart(5);
  process.stdout.write(`${ms} ms  ${line}\n`);
};

/** Prints the service's warnings and errors, one line each. */
const print =
  (level: string): LogFn =>
  (objOrMsg: Record<string, unknown> | string, msg?: string) =>
    say(`[${level}] ${typeof objOrMsg === 'string' ? objOrMsg : msg}`);
const logger: Logger = {
  ...silentLogger,
  warn: print('warn'),
  error: print('error'),
  child: () => logger,
};

/** Resolves after `ms`, or rejects with the AbortError once `signal` is aborted. */
const work = (ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal });

const uploader = createService({
  id: 'uploader',
  pause: 100,
  gracePeriod: 5_000,
  gracefulWaitTimeout: 800, // leaves onStop up to 4.2 s of the grace period
  logger,
  async iterate(ctx) {
    if (ctx.iteration === 0) {
      void ctx.task(async (signal) => {
        say('upload a.bin: started (cancel: false)');
        await work(400, signal);
        say('upload a.bin: finished, awaited by the stop');
      });
      void ctx.task(
        async (signal) => {
          say('prefetch: started (cancel: true)');
          await work(60_000, signal).catch((e: Error) => {
            say(`prefetch: ${e.name}, aborted as soon as the stop began`);
            throw e; // an AbortError the service asked for is no failure
          });
        },
        { cancel: true },
      );
      void ctx.task(async (signal) => {
        say('archive: started (cancel: false, takes 30 s)');
        await work(30_000, signal).catch((e: Error) => {
          say(`archive: ${e.name}, aborted when gracefulWaitTimeout was over`);
          throw e;
        });
      });
    }
    if (ctx.iteration === 1) {
      // Not awaited, yet counted: failures + 1, logged.
      ctx.task(() => Promise.reject(new Error('checksum mismatch')));
    }
  },
  onStop(ctx) {
    say(`onStop: runs after the tasks (generation ${ctx.generation})`);
  },
});

const actor = createActor(uploader).start();
await sleep(250);
const tree = getTree(actor);
say(`tree: ${tree.state}, failures ${tree.failures}, lastError "${tree.lastError?.message}"`);
say('stopping');
const stopAt = performance.now();
await shutdown(actor);
say(
  `stopped in ${Math.round(performance.now() - stopAt)} ms: within gracefulWaitTimeout (800 ms), not gracePeriod (5000 ms)`,
);
say(`final state: ${getTree(actor).state}`);
