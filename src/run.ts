/**
 * `run()`: the application entry point (aiomisc's entrypoint): start the tree, shut down
 * gracefully on SIGINT/SIGTERM within a timeout, and exit with a meaningful code.
 */
import {
  type ControlServer,
  type ControlServerOptions,
  checkControlOptions,
  createControlServer,
} from './control/server.ts';
import { CommandError, toError, XstateSupervisorError } from './errors.ts';
import {
  checkInspectorOptions,
  createInspectorServer,
  type InspectorServer,
  type InspectorServerOptions,
} from './inspector/server.ts';
import type { ExitReason } from './internal/exit-reason.ts';
import { type AnyActorRef, type AnyStateMachine, createActor } from './internal/xstate.ts';
import { createConsoleLogger, type Logger } from './logger.ts';
import { shutdown } from './shutdown.ts';
import { lifecycleOf, sourceOf } from './tree.ts';

/**
 * Options of {@link run}. Unknown names throw (`RUN_OPTION_UNKNOWN`).
 *
 * @example
 * ```ts
 * const root = createSupervisor({ id: 'root', children: [] });
 * // Embedded (in a test, or a host that owns the process): no process.exit, read `done`.
 * const handle = run(root, { exit: false, shutdownTimeout: 10_000, logger: silentLogger });
 * ```
 */
export interface RunOptions {
  /**
   * How long a graceful shutdown may take before the process exits with code 70.
   * @default 60000
   */
  shutdownTimeout?: number;
  /**
   * Signals that start a graceful shutdown. A second one during the shutdown exits at once
   * with code 70.
   * @default ['SIGINT', 'SIGTERM']
   */
  signals?: NodeJS.Signals[];
  /**
   * The logger for the runner and, unless they have their own, the whole tree.
   * @default a console logger on stderr
   */
  logger?: Logger;
  /**
   * Call `process.exit(code)` when the run ends by a signal, a timeout or a root failure.
   * Turn off to embed `run()` and read `done` instead.
   * @default true
   */
  exit?: boolean;
  /**
   * Starts the control API once the tree runs (`POST /shutdown` then stops the run as a signal
   * would). `await handle.ready` gives `handle.control.url` (port 0 picks a free port).
   * @default undefined (no control API)
   */
  control?: Pick<ControlServerOptions, 'port' | 'host' | 'token'>;
  /**
   * Starts the inspector (a live web page of the tree) once the tree runs; with `control`
   * on, its buttons command the tree. `await handle.ready` gives `handle.inspector.url`.
   * @default undefined (no inspector)
   */
  inspector?: Pick<InspectorServerOptions, 'port' | 'host' | 'stately' | 'title'>;
}

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
  /** 0: clean stop; 1: the root failed; 70: the shutdown overran `shutdownTimeout`. */
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
 *
 * @example
 * ```ts
 * const handle = run(root, { exit: false });
 * await handle.ready; // the tree runs
 * await handle.stop(); // graceful; `done` then resolves with { exitCode: 0, reason: 'stopped' }
 * ```
 */
export interface RunHandle {
  /** The root actor. */
  readonly actor: AnyActorRef;
  /** Shuts the tree down gracefully; resolves when it has stopped. */
  stop(): Promise<void>;
  /** Resolves when the run has ended, with the exit code it ends with. */
  readonly done: Promise<RunResult>;
  /**
   * Resolves once the tree runs and the servers asked for listen; rejects if the run ends
   * first or a server cannot listen (the tree is then shut down and the run ends with code 1).
   */
  readonly ready: Promise<RunHandle>;
  /** The control API, once `ready` (with `options.control`). */
  readonly control?: ControlServer;
  /** The inspector, once `ready` (with `options.inspector`). */
  readonly inspector?: InspectorServer;
}

const RUN_OPTIONS = ['shutdownTimeout', 'signals', 'logger', 'exit', 'control', 'inspector'];

/**
 * Starts a supervision tree (or a lone service) as the application: installs SIGINT/SIGTERM
 * handlers once it is running, and on a signal shuts down gracefully within `shutdownTimeout`
 * (exit 0, or 70 when overrun). If the root fails, the failure is logged and the process exits 1.
 *
 * Gotchas: `handle.stop()` and a root that stops on its own end the run (code 0) without
 * calling `process.exit`, so the process ends only when nothing else keeps it alive. The
 * signal handlers are installed once the root is `running`, not before. `options.logger`
 * becomes the logger of every node that has none of its own.
 *
 * @example
 * ```ts
 * import { createService, createSupervisor, run } from 'xstate-supervisor';
 * const poller = createService({ id: 'poller', minPeriod: 5_000, iterate() {} });
 * const handle = run(createSupervisor({ id: 'root', children: [poller] }));
 * await handle.done; // { exitCode: 0, reason: 'signal' } after Ctrl+C
 * ```
 */
export function run(root: AnyStateMachine, options: RunOptions = {}): RunHandle {
  for (const key of Object.keys(options)) {
    if (!RUN_OPTIONS.includes(key)) {
      throw new XstateSupervisorError(
        'RUN_OPTION_UNKNOWN',
        `Unknown option \`${key}\` of run(): known options are ${RUN_OPTIONS.join(', ')}.`,
      );
    }
  }
  if (options.control !== undefined) checkControlOptions(options.control, 'run() option `control`');
  if (options.inspector !== undefined) {
    checkInspectorOptions(options.inspector, 'run() option `inspector`');
  }
  const shutdownTimeout = options.shutdownTimeout ?? 60_000;
  if (!Number.isFinite(shutdownTimeout) || shutdownTimeout < 0) {
    throw new XstateSupervisorError(
      'RUN_OPTION_INVALID',
      `Invalid option \`shutdownTimeout\` of run(): expected a finite number of milliseconds >= 0, got ${String(shutdownTimeout)}.`,
    );
  }
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const logger = options.logger ?? createConsoleLogger();
  const exitProcess = options.exit ?? true;
  const actor = createActor(root, { input: { logger } });
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
  let ended = false;
  let stopping: Promise<void> | undefined;
  let handlersInstalled = false;
  /** The root failed and is being shut down; set once, as every later event re-notifies. */
  let failing = false;

  let markReady!: (handle: RunHandle) => void;
  let failReady!: (error: Error) => void;
  const ready = new Promise<RunHandle>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  // A run that ends before it was ready rejects `ready`; nobody has to listen to that.
  ready.catch(() => {});
  let control: ControlServer | undefined;
  let inspector: InspectorServer | undefined;

  const end = (result: RunResult, viaProcessExit: boolean) => {
    if (ended) return;
    ended = true;
    removeHandlers();
    void control?.close();
    void inspector?.close();
    failReady(
      new CommandError('RUN_ENDED', `The run ended (${result.reason}) before it was ready.`),
    );
    settle(result);
    if (exitProcess && viaProcessExit) process.exit(result.exitCode);
  };

  const gracefulStop = (
    reason: 'signal' | 'request' | 'stopped',
    viaProcessExit: boolean,
  ): Promise<void> => {
    stopping ??= (async () => {
      const timer = setTimeout(() => {
        logger.error({ shutdownTimeout }, 'shutdown overran shutdownTimeout; exiting with code 70');
        end({ exitCode: 70, reason: 'timeout' }, true);
      }, shutdownTimeout);
      try {
        await shutdown(actor);
        logger.info('shutdown complete');
        end({ exitCode: 0, reason }, viaProcessExit);
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.error({ signal }, 'second signal during shutdown; exiting now with code 70');
      end({ exitCode: 70, reason: 'timeout' }, true);
      return;
    }
    logger.info({ signal }, 'signal received; shutting down gracefully');
    void gracefulStop('signal', true);
  };
  function removeHandlers() {
    if (!handlersInstalled) return;
    handlersInstalled = false;
    for (const s of signals) process.off(s, onSignal);
  }

  actor.subscribe({
    next: (snapshot) => {
      const state = lifecycleOf((snapshot as { value: unknown }).value);
      if (state === 'running' && !handlersInstalled && !ended && !stopping) {
        handlersInstalled = true;
        for (const s of signals) process.on(s, onSignal);
        logger.info({ root: root.id }, 'running; press Ctrl+C to stop');
        void startServers();
      } else if (state === 'failed' && !stopping && !failing) {
        failing = true;
        const error = rootError(actor);
        logger.error({ err: error }, 'the root failed; exiting with code 1');
        void shutdown(actor).finally(() => end({ exitCode: 1, reason: 'failed', error }, true));
      } else if (state === 'stopped' && !stopping && !failing) {
        logger.info('the root stopped on its own');
        void gracefulStop('stopped', false);
      }
    },
    // The actor was stopped directly (`handle.actor.stop()`), not through stop() or a signal:
    // the run is over all the same, so its signal handlers must go and `done` must settle.
    complete: () => {
      if (!stopping && !failing) end({ exitCode: 0, reason: 'stopped' }, false);
    },
    error: (err) => {
      const error = toError(err);
      logger.error({ err: error }, 'the root actor crashed; exiting with code 1');
      end({ exitCode: 1, reason: 'failed', error }, true);
    },
  });
  const handle: { -readonly [K in keyof RunHandle]: RunHandle[K] } = {
    actor,
    stop: () => gracefulStop('stopped', false),
    done,
    ready,
  };

  async function startServers() {
    let starting = 'the control API';
    try {
      if (options.control) {
        control = await createControlServer(actor, {
          ...options.control,
          logger,
          onShutdown: () => gracefulStop('request', true),
        });
        handle.control = control;
        if (ended) void control.close();
      }
      if (options.inspector && !ended) {
        starting = 'the inspector';
        inspector = await createInspectorServer(actor, {
          ...options.inspector,
          logger,
          ...(control && {
            control: {
              url: control.url,
              tokenRequired: options.control?.token !== undefined,
              supervisor: actor,
            },
          }),
        });
        handle.inspector = inspector;
        if (ended) void inspector.close();
      }
      if (!ended) markReady(handle);
    } catch (e) {
      const error = toError(e);
      logger.error({ err: error }, `${starting} could not start; shutting down with code 1`);
      // Mark it before the tree stops, or its `stopped` would read as a clean stop.
      failing = true;
      failReady(error);
      void shutdown(actor).finally(() => end({ exitCode: 1, reason: 'failed', error }, true));
    }
  }

  actor.start();
  return handle;
}

interface RuntimeExit {
  readonly exit: ExitReason;
}

/** The root's own failure (an `IntensityExceededError` with its code and cause, say). */
function rootError(actor: AnyActorRef): Error {
  const context = (actor.getSnapshot() as { context?: { rt?: RuntimeExit; core?: RuntimeExit } })
    .context;
  const reason = (context?.rt ?? context?.core)?.exit;
  return reason?._tag === 'Failure' ? reason.error : new Error('the root failed');
}
