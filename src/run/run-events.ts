/**
 * The words of a run's statechart: the events it takes (from the root actor, the process, the
 * handle, its servers), the events it emits for `run()`'s handle, and how it ends.
 */
import type { ControlServer } from '../control/server.ts';
import type { InspectorServer } from '../inspector/server.ts';
import type { AnyActorRef, AnyStateMachine } from '../internal/xstate.ts';
import type { ResolvedRunOptions } from './run-options.ts';
import type { RunResult } from './run-result.ts';

/**
 * What happens to a run. `root.*` come from the root actor (its lifecycle state, its end),
 * `run.*` from outside (a signal, `handle.stop()`, `POST /shutdown`, a server or telemetry that
 * could not start), `servers.opened` once the control API and the inspector listen.
 * @internal
 */
export type RunEvent =
  | { type: 'root.running' }
  | { type: 'root.failed'; error: Error }
  | { type: 'root.stopped' }
  | { type: 'root.completed' }
  | { type: 'root.crashed'; error: Error }
  | { type: 'run.signal'; signal: NodeJS.Signals }
  | { type: 'run.stop' }
  | { type: 'run.request' }
  | { type: 'run.fail'; error: Error; message: string }
  | { type: 'servers.opened'; control?: ControlServer; inspector?: InspectorServer };

/**
 * What a run tells its handle: `run.ready` once the tree runs and the servers listen,
 * `run.failing` when the root (or a server, or telemetry) failed, so `ready` rejects at once.
 * @internal
 */
export type RunEmitted = { type: 'run.ready' } | { type: 'run.failing'; error: Error };

/**
 * How a run ends: its result, and what becomes of the process: `exit` after `done` has
 * resolved, `exit-now` before (a signal while the run was already exiting), `stay` when the
 * process ends once nothing else keeps it alive (`handle.stop()`, the root stopping on its own).
 * `exit` and `exit-now` apply only with the `exit` option on.
 * @internal
 */
export interface RunEnd {
  readonly result: RunResult;
  readonly process: 'exit' | 'exit-now' | 'stay';
}

/** What a run starts from: the root machine, its actor (not started yet), the options. @internal */
export interface RunInput {
  readonly root: AnyStateMachine;
  readonly actor: AnyActorRef;
  readonly options: ResolvedRunOptions;
}

/** What a run knows as it goes. @internal */
export interface RunContext extends RunInput {
  /** What began the stop under way (a signal, `POST /shutdown`, or a stop without a process exit). */
  stopReason: 'signal' | 'request' | 'stopped';
  /** The root's failure (or a server's, or telemetry's). */
  error?: Error | undefined;
  /** At the deadline: why the queues hand their tasks over, and how the run ends after. */
  why: string;
  afterDeadline?: RunEnd;
  control?: ControlServer | undefined;
  inspector?: InspectorServer | undefined;
  /** How the run ended: the machine's output. */
  end?: RunEnd;
}
