/**
 * `run()`: the application entry point (aiomisc's entrypoint): start the tree, shut down
 * gracefully on SIGINT/SIGTERM within a timeout, and exit with a meaningful code. The run's
 * life is a statechart (`run-machine.ts`); this file turns it into a handle and a process exit.
 */

import type { Actor } from 'xstate';
import { sourceOf } from '../actors/own-runtime.ts';
import { shutdown } from '../actors/shutdown.ts';
import { CommandError, toError } from '../core/errors.ts';
import { type AnyStateMachine, createActor } from '../internal/xstate.ts';
import type { RunEnd } from './run-events.ts';
import { runMachine } from './run-machine.ts';
import { type RunOptions, resolveRunOptions } from './run-options.ts';
import type { RunHandle, RunResult } from './run-result.ts';

export type { RunOptionProblem, RunOptions } from './run-options.ts';
export { RunOptionsError } from './run-options.ts';
export type { RunHandle, RunResult } from './run-result.ts';

/**
 * Starts a supervision tree (or a lone service) as the application. It installs SIGINT/SIGTERM
 * handlers at once and keeps the process alive until the run ends; on a signal it shuts down
 * gracefully within `shutdownTimeout` (exit 0, or 70 when overrun). If the root fails, the
 * failure is logged and the process exits 1.
 *
 * Gotchas: a signal during the start stops what has started (the children still starting
 * finish their start first). When `shutdownTimeout` runs out, every queue worker hands its
 * unprocessed tasks to `onDiscard` (or logs their count) before the exit, within
 * `discardTimeout`. `handle.stop()` and a root that stops on its own end the run (code 0)
 * without calling `process.exit`, so the process ends once nothing else keeps it alive.
 * `options.logger` becomes the logger of every node that has none of its own.
 *
 * @example
 * ```ts
 * import { createService, createSupervisor, run } from 'xstate-supervisor';
 * const poller = createService({ id: 'poller', minPeriod: 5_000, iterate() {} });
 * const handle = run(createSupervisor({ id: 'root', children: [poller] }));
 * const { exitCode } = await handle.done; // 0 after Ctrl+C; then the process exits with it
 * console.log(`stopped with code ${exitCode}`);
 * ```
 */
export function run<TMachine extends AnyStateMachine>(
  root: TMachine,
  options: RunOptions = {},
): RunHandle<Actor<TMachine>> {
  type Handle = RunHandle<Actor<TMachine>>;
  const o = resolveRunOptions(options);
  // The root machine's input is the logger its tree inherits (a service's or supervisor's).
  const actor = createActor(root as AnyStateMachine, {
    input: { logger: o.logger },
  }) as Actor<TMachine>;
  if (!sourceOf(actor)) {
    throw new CommandError(
      'NOT_A_SUPERVISED_ACTOR',
      'run() expects a machine made by createService or createSupervisor.',
    );
  }

  let settle!: (result: RunResult) => void;
  const done = new Promise<RunResult>((resolve) => {
    settle = resolve;
  });
  let markReady!: (handle: Handle) => void;
  let failReady!: (error: Error) => void;
  const ready = new Promise<Handle>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  // A run that ends before it was ready rejects `ready`; nobody has to listen to that.
  ready.catch(() => {});

  const lifecycle = createActor(runMachine, { input: { root, actor, options: o } });
  const finish = ({ result, process: how }: RunEnd) => {
    if (o.exit && how === 'exit-now') process.exit(result.exitCode);
    failReady(
      new CommandError('RUN_ENDED', `The run ended (${result.reason}) before it was ready.`),
    );
    settle(result);
    if (o.exit && how !== 'stay') {
      // After `done`'s callbacks: `await handle.done` in main code runs before the exit.
      process.exitCode = result.exitCode;
      setImmediate(() => process.exit(result.exitCode));
    }
  };
  lifecycle.on('run.ready', () => markReady(handle));
  lifecycle.on('run.failing', ({ error }) => failReady(error));
  lifecycle.subscribe({
    complete: () => finish(lifecycle.getSnapshot().output as RunEnd),
    // A defect of the run itself: the run is over, as a failure.
    error: (err) => {
      const error = toError(err);
      o.logger.error({ err: error }, 'the run failed; exiting with code 1');
      finish({ result: { exitCode: 1, reason: 'failed', error }, process: 'exit' });
    },
  });

  // `control` and `inspector` read the run's context: set once the servers listen.
  const handle = {
    actor,
    async stop() {
      if (lifecycle.getSnapshot().status === 'active') lifecycle.send({ type: 'run.stop' });
      await done;
      // Past a deadline the tree may still be stopping: resolve once it has.
      await shutdown(actor);
    },
    done,
    ready,
    get control() {
      return lifecycle.getSnapshot().context.control;
    },
    get inspector() {
      return lifecycle.getSnapshot().context.inspector;
    },
  } as Handle;
  lifecycle.start();
  return handle;
}
