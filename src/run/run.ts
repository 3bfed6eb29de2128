/**
 * `run()`: the application entry point (aiomisc's entrypoint): start the tree, shut down
 * gracefully on SIGINT/SIGTERM within a timeout, and exit with a meaningful code.
 */

import type { Actor } from 'xstate';
import { lifecycleOf, sourceOf } from '../actors/own-runtime.ts';
import { shutdown } from '../actors/shutdown.ts';
import { type ControlServer, createControlServer } from '../control/server.ts';
import { CommandError, toError } from '../core/errors.ts';
import { errorFields } from '../core/logger.ts';
import { createInspectorServer, type InspectorServer } from '../inspector/server.ts';
import { type AnyActorRef, type AnyStateMachine, createActor } from '../internal/xstate.ts';
import { instrumentTree, type TreeInstrumentation } from '../telemetry/instrument.ts';
import { handOverQueues } from './run-deadline.ts';
import { type RunOptions, resolveRunOptions } from './run-options.ts';

export type { RunOptionProblem, RunOptions } from './run-options.ts';
export { RunOptionsError } from './run-options.ts';

/**
 * How a run ended: what `handle.done` resolves to (it never rejects), and the code the
 * process exits with when `exit` is on.
 *
 * @example
 * ```ts
 * const { exitCode, reason, error } = await run(root, { exit: false }).done;
 * if (reason === 'failed') console.error('the root failed:', error?.message);
 * process.exitCode = exitCode;
 * ```
 */
export interface RunResult {
  /**
   * 0: clean stop; 1: the root failed; 70: the shutdown overran `shutdownTimeout` or a second
   * signal came (the queue workers' leftovers were handed to `onDiscard` first).
   */
  readonly exitCode: 0 | 1 | 70;
  /**
   * `signal`: SIGINT/SIGTERM; `request`: the control API's `POST /shutdown`; `stopped`:
   * `handle.stop()`, the root ending on its own, or the root actor stopped directly; `failed`:
   * the root failed or crashed, or a server could not start; `timeout`: the shutdown overran
   * `shutdownTimeout`, or a second signal came during it.
   */
  readonly reason: 'signal' | 'request' | 'stopped' | 'failed' | 'timeout';
  /** The root's failure, when `reason` is 'failed'. */
  readonly error?: Error;
}

/**
 * What {@link run} returns, at once: the tree is starting, not yet running (await `ready`).
 * `TActor` is the root's actor type: `run(createSupervisor(...))` gives a handle whose `actor`
 * knows the supervisor's reports and commands.
 *
 * @example
 * ```ts
 * const handle = run(root, { exit: false });
 * handle.actor.on('child.restarted', (r) => console.log(r.path.join('/'), r.generation));
 * await handle.ready; // the tree runs
 * await handle.stop(); // graceful; `done` then resolves with { exitCode: 0, reason: 'stopped' }
 * ```
 */
export interface RunHandle<TActor extends AnyActorRef = AnyActorRef> {
  /**
   * The root actor, typed by the root machine: `actor.on('child.restarted', (r) => r.path)`
   * needs no cast when the root is a supervisor.
   */
  readonly actor: TActor;
  /** Shuts the tree down gracefully; resolves when it has stopped. */
  stop(): Promise<void>;
  /**
   * Resolves when the run has ended, with the exit code it ends with; with `exit: true`, before
   * `process.exit`, so code awaiting it runs first.
   */
  readonly done: Promise<RunResult>;
  /**
   * Resolves once the tree runs and the servers asked for listen; rejects if the run ends
   * first or a server cannot listen (the tree is then shut down and the run ends with code 1).
   */
  readonly ready: Promise<RunHandle<TActor>>;
  /** The control API, once `ready` (with `options.control`). */
  readonly control?: ControlServer;
  /** The inspector, once `ready` (with `options.inspector`). */
  readonly inspector?: InspectorServer;
}

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
  const { shutdownTimeout, shutdownDelay, signals, logger } = o;
  // The root machine's input is the logger its tree inherits (a service's or supervisor's).
  const actor = createActor(root as AnyStateMachine, { input: { logger } }) as Actor<TMachine>;
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
  /** The run's end is decided (maybe still handing the queues over); `done` soon settles. */
  let ending = false;
  let ended = false;
  let stopping: Promise<void> | undefined;
  /** The root has reached `running` once. */
  let started = false;
  /** The root failed and is being shut down; set once, as every later event re-notifies. */
  let failing = false;

  let markReady!: (handle: Handle) => void;
  let failReady!: (error: Error) => void;
  const ready = new Promise<Handle>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  // A run that ends before it was ready rejects `ready`; nobody has to listen to that.
  ready.catch(() => {});
  let control: ControlServer | undefined;
  let inspector: InspectorServer | undefined;
  let telemetry: TreeInstrumentation | undefined;
  /** Readiness has turned red for the shutdown (`/readyz` answers 503 from then on). */
  let draining = false;
  let delayTimer: NodeJS.Timeout | undefined;
  // Idle workers wait on promises, which keep no process alive: the run holds it open until
  // it ends, so a tree of idle queue and event workers still waits for its signal.
  const keepAlive = setInterval(() => {}, 2 ** 31 - 1);

  const end = (result: RunResult, viaProcessExit: boolean) => {
    if (ended) return;
    ended = true;
    ending = true;
    clearInterval(keepAlive);
    clearTimeout(delayTimer);
    removeHandlers();
    telemetry?.dispose();
    void control?.close();
    void inspector?.close();
    failReady(
      new CommandError('RUN_ENDED', `The run ended (${result.reason}) before it was ready.`),
    );
    settle(result);
    if (o.exit && viaProcessExit) {
      // After `done`'s callbacks: `await handle.done` in main code runs before the exit.
      process.exitCode = result.exitCode;
      setImmediate(() => process.exit(result.exitCode));
    }
  };

  /** Ends with 70 while the tree may still hold tasks: the queues hand them over first. */
  const overrun = (why: string) => {
    if (ending) return;
    ending = true;
    void handOverQueues(root, actor, logger, o.discardTimeout, why).then(
      () => end({ exitCode: 70, reason: 'timeout' }, true),
      (e: unknown) => {
        logger.error({ err: toError(e) }, 'handing the queues over failed');
        end({ exitCode: 70, reason: 'timeout' }, true);
      },
    );
  };

  const gracefulStop = (
    reason: 'signal' | 'request' | 'stopped',
    viaProcessExit: boolean,
  ): Promise<void> => {
    stopping ??= (async () => {
      draining = true;
      // Lightship's rule: readiness fails first, so load balancers stop sending traffic, and
      // only then does the drain begin. A tree not yet running gets no traffic: no delay.
      if (reason !== 'stopped' && started && shutdownDelay > 0) {
        logger.info(
          { shutdownDelay },
          'readiness now fails (/readyz 503); the shutdown begins after shutdownDelay',
        );
        await new Promise<void>((resolve) => {
          delayTimer = setTimeout(resolve, shutdownDelay);
        });
        if (ending) return;
      }
      const timer = setTimeout(() => {
        logger.error({ shutdownTimeout }, 'shutdown overran shutdownTimeout; exiting with code 70');
        overrun(`the shutdown overran shutdownTimeout (${shutdownTimeout} ms)`);
      }, shutdownTimeout);
      try {
        await shutdown(actor);
        if (ending) return;
        logger.info('shutdown complete');
        end({ exitCode: 0, reason }, viaProcessExit);
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (ending) {
      // Already on its way out (handing the queues over): a signal now means "now".
      logger.error({ signal }, 'signal while exiting; exiting now with code 70');
      if (o.exit) process.exit(70);
      end({ exitCode: 70, reason: 'timeout' }, true);
      return;
    }
    if (stopping || failing) {
      logger.error({ signal }, 'second signal during shutdown; exiting now with code 70');
      overrun(`a second ${signal} came during the shutdown`);
      return;
    }
    logger.info(
      { signal },
      started
        ? 'signal received; shutting down gracefully'
        : 'signal received while starting; stopping what has started',
    );
    void gracefulStop('signal', true);
  };
  let handlersInstalled = true;
  for (const s of signals) process.on(s, onSignal);
  function removeHandlers() {
    if (!handlersInstalled) return;
    handlersInstalled = false;
    for (const s of signals) process.off(s, onSignal);
  }

  const failRun = (error: Error, message: string) => {
    // The root's failure was logged with its stack where it happened: its message only here.
    logger.error(errorFields(error), message);
    // Mark it before the tree stops, or its `stopped` would read as a clean stop.
    failing = true;
    failReady(error);
    void shutdown(actor).finally(() => {
      if (!ending) end({ exitCode: 1, reason: 'failed', error }, true);
    });
  };

  actor.subscribe({
    next: (snapshot) => {
      const state = lifecycleOf((snapshot as { value: unknown }).value);
      if (state === 'running' && !started && !ending && !stopping) {
        started = true;
        void startServers();
      } else if (state === 'failed' && !stopping && !failing) {
        failRun(rootError(actor), 'the root failed; exiting with code 1');
      } else if (state === 'stopped' && !stopping && !failing) {
        logger.info('the root stopped on its own');
        void gracefulStop('stopped', false);
      }
    },
    // The actor was stopped directly (`handle.actor.stop()`), not through stop() or a signal:
    // the run is over all the same, so its signal handlers must go and `done` must settle.
    complete: () => {
      if (!stopping && !failing && !ending) end({ exitCode: 0, reason: 'stopped' }, false);
    },
    error: (err) => {
      const error = toError(err);
      logger.error(errorFields(error), 'the root actor crashed; exiting with code 1');
      if (ending) return;
      ending = true;
      void handOverQueues(root, actor, logger, o.discardTimeout, 'the root actor crashed').finally(
        () => end({ exitCode: 1, reason: 'failed', error }, true),
      );
    },
  });
  const handle: { -readonly [K in keyof Handle]: Handle[K] } = {
    actor,
    stop: () => gracefulStop('stopped', false),
    done,
    ready,
  };

  async function startServers() {
    let starting = 'the control API';
    try {
      if (o.control) {
        control = await createControlServer(actor, {
          ...o.control,
          logger,
          onShutdown: () => gracefulStop('request', true),
          draining: () => draining,
        });
        handle.control = control;
        if (ending) void control.close();
      }
      if (o.inspector && !ending) {
        starting = 'the inspector';
        inspector = await createInspectorServer(actor, {
          ...o.inspector,
          logger,
          ...(control && {
            control: {
              url: control.url,
              tokenRequired: o.control?.token !== undefined,
              supervisor: actor,
            },
          }),
        });
        handle.inspector = inspector;
        if (ending) void inspector.close();
      }
      if (ending) return;
      // Last, once everything is up, so the URLs are the last lines and do not scroll away.
      logger.info(
        {
          root: root.id,
          ...(inspector && { inspector: inspector.url }),
          ...(control && { control: control.url }),
        },
        'running; press Ctrl+C to stop',
      );
      markReady(handle);
    } catch (e) {
      failRun(toError(e), `${starting} could not start; shutting down with code 1`);
    }
  }

  if (o.telemetry === undefined) actor.start();
  else {
    // The tree starts once telemetry is loaded, so its first iterations are traced too.
    instrumentTree(actor, o.telemetry === true ? {} : o.telemetry).then(
      (instrumentation) => {
        telemetry = instrumentation;
        if (!instrumentation) {
          logger.warn(
            'telemetry asked for, but @opentelemetry/api is not installed; no spans or metrics',
          );
        }
        if (ended) instrumentation?.dispose();
        else actor.start();
      },
      (e: unknown) => {
        if (!ended) failRun(toError(e), 'telemetry could not start; exiting with code 1');
      },
    );
  }
  return handle;
}

/** The root's own failure (an `IntensityExceededError` with its code and cause, say). */
function rootError(actor: AnyActorRef): Error {
  const reason = sourceOf(actor)?.exit;
  return reason?._tag === 'Failure' ? reason.error : new Error('the root failed');
}
