/**
 * What `run()` gives back: the handle it returns at once, and how the run ended.
 */
import type { ControlServer } from '../control/server.ts';
import type { InspectorServer } from '../inspector/server.ts';
import type { AnyActorRef } from '../internal/xstate.ts';

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
