/**
 * A service generation's start: `onStart` (with its veto), bounded by `startTimeout`, and by
 * `gracePeriod` once a stop aborts it, so a start that never settles holds neither the service
 * nor its supervisor in `starting`.
 */
import { KilledError, StartTimeoutError } from '../core/errors.ts';
import { LongTimeout } from '../internal/waiter.ts';
import type { LoopHost } from './loop-host.ts';
import { isThenable, type LoopRun } from './loop-run.ts';

/** A generation that never started (its `onStart` threw or vetoed): nothing of it may run on. */
function abandon(run: LoopRun): void {
  run.halt();
  run.fenced = true;
  if (run.taskCount > 0) run.tasks.abortAll();
}

/**
 * Begins a generation and runs `onStart`; resolves to `'vetoed'` when it returned false, and
 * rejects with what it threw. `actorStopped` tells whether the actor was stopped meanwhile.
 *
 * @example
 * ```ts
 * if ((await startGeneration(rt, () => isActorStopped(self))) === 'started') rt.startLoop(report);
 * ```
 */
export async function startGeneration(
  rt: LoopHost,
  actorStopped: () => boolean,
): Promise<'started' | 'vetoed'> {
  rt.beginGeneration();
  const run = rt.run!;
  const onStart = rt.opts.onStart;
  if (onStart) {
    let result: unknown;
    try {
      result = onStart(run.ctx);
      if (isThenable(result)) result = await boundStart(rt, run, result);
    } catch (e) {
      abandon(run);
      throw e;
    }
    if (result === false) {
      abandon(run);
      return 'vetoed';
    }
  }
  rt.sessionOpen = true;
  // The actor was stopped while onStart ran: the pairing still holds.
  if (actorStopped()) void rt.finish();
  return 'started';
}

/**
 * Bounds an async `onStart` by `startTimeout`, and by `gracePeriod` once a stop aborts it:
 * a start that never settles must not hold the service, or its supervisor, in `starting`.
 */
function boundStart(rt: LoopHost, run: LoopRun, started: PromiseLike<unknown>): Promise<unknown> {
  const o = rt.opts;
  const clock = rt.clock;
  const generation = run.ctx.generation;
  return new Promise((resolve, reject) => {
    const timers: LongTimeout[] = [];
    // However the start ends (settled, timed out, killed, the actor stopped), every timer
    // it armed goes with it: none may keep the process alive.
    const end = (error: unknown, value?: unknown) => {
      for (const t of timers) t.clear();
      run.onStartAborted = undefined;
      run.disarmStart = undefined;
      if (error === undefined) resolve(value);
      else reject(error);
    };
    timers.push(
      new LongTimeout(
        clock,
        () => end(new StartTimeoutError(o.id, generation, o.startTimeout)),
        o.startTimeout,
      ),
    );
    run.onStartAborted = () => {
      timers.push(
        new LongTimeout(
          clock,
          () => end(new KilledError(o.id, generation, o.gracePeriod)),
          o.gracePeriod,
        ),
      );
    };
    // The actor itself was stopped: nobody waits for the start any more, so no timer may
    // keep the process alive; the start still ends when onStart does (onStop then follows).
    run.disarmStart = () => {
      for (const t of timers) t.clear();
      run.onStartAborted = undefined;
    };
    started.then(
      (value) => end(undefined, value),
      (error: unknown) => end(error ?? new Error('onStart rejected with undefined')),
    );
  });
}

/**
 * A stop (or failure) asked for while `onStart` runs: `ctx.signal` is aborted now, and the
 * start gets `gracePeriod` to end. If it still succeeds, the stop follows it (`onStop` runs).
 *
 * @example
 * ```ts
 * abortGenerationStart(rt); // no-op once the start has completed
 * ```
 */
export function abortGenerationStart(rt: LoopHost): void {
  const run = rt.run;
  if (!run || rt.sessionOpen || run.halted) return;
  run.halt();
  run.onStartAborted?.();
}
