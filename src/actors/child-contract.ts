/**
 * The one contract between a supervisor and its children. Every kind of child (a service, a
 * supervisor, the user's own actor) is a {@link SupervisedChild}: the supervisor starts, stops,
 * hard-resets and fails it, reads its generation, how it ended and its tree node through these
 * members only, never by probing the child's actor or context.
 */
import type { ChildSpec } from '../core/child-spec.ts';
import type { ExitReason } from '../core/exit-reason.ts';
import type { Logger } from '../core/logger.ts';
import type { LifecycleState, TreeNode } from '../core/tree-node.ts';
import type { AnyActorRef, Clock } from '../internal/xstate.ts';

/** The outcome of starting a child: running, vetoed by `onStart`, or a failed start. */
export type StartOutcome = 'running' | 'vetoed' | { readonly error: Error };

/** The supervisor a child belongs to: one reference per child, not a closure per callback. */
export interface ChildOwner {
  /** The supervisor's actor, the parent of every child actor. */
  readonly self: AnyActorRef;
  /** The supervisor's clock (timers of a child's start and stop). */
  readonly clock: Required<Clock>;
  /** The ids from the root supervisor down to this supervisor (`[]` at the root). */
  readonly path: readonly string[];
  /** The logger of a child, made only when its actor is first created. */
  childLogger(child: SupervisedChild): Logger;
  /** Hears of exits the child made on its own (not those of a start or stop it was asked for). */
  childExited(child: SupervisedChild, reason: ExitReason, generation: number): void;
  /** Hears of reports from a child supervisor (to bubble them up). */
  childReported(child: SupervisedChild, report: { type: string }): void;
}

/**
 * A child as its supervisor sees it: the supervisor's bookkeeping (plain fields) and the
 * operations every kind of child implements.
 */
export abstract class SupervisedChild {
  readonly spec: ChildSpec;
  /** What the supervisor wants: a child it stopped on purpose is not restarted. */
  wanted: 'running' | 'stopped' = 'stopped';
  /** A command on this child is queued or running. */
  busy = false;
  /** Commands queued or running on this child. */
  pending = 0;
  /** When it last reached `running` (clock time), for the backoff reset. */
  startedAt: number | undefined;
  /** Automatic restarts in a row, for the backoff. */
  backoffAttempt = 0;
  /** Stopped and decided: an automatic restart waits out a backoff. */
  awaitingRestart = false;
  /**
   * The delayed restart that owns it while `awaitingRestart`: a newer group restart takes it
   * over, so an older timer never starts it out of order or before its current backoff.
   */
  pendingRestart: object | undefined;
  /** It ended on its own and that exit has not been reported yet (its decision is queued). */
  exitUnreported = false;

  constructor(spec: ChildSpec) {
    this.spec = spec;
  }

  get id(): string {
    return this.spec.id;
  }

  /** The lifecycle state last seen. */
  abstract readonly state: LifecycleState;
  /** The current generation: 0 for the first, +1 on every later start and hard reset. */
  abstract readonly generation: number;
  /** What the child was defined from: its machine, or the logic given to `supervise()`. */
  abstract readonly definition: object;
  /** The actor of the current generation (kept after it ended), if one was created. */
  abstract readonly actor: AnyActorRef | undefined;

  /** Starts a generation and resolves once it runs, was vetoed, or failed to start. */
  abstract start(now: number): Promise<StartOutcome>;
  /**
   * Stops the child (if it runs) within its bound (`gracePeriod`); resolves to whether the
   * generation had to be killed.
   */
  abstract stop(): Promise<boolean>;
  /** Asks the child to stop without waiting (a start in progress is aborted by it). */
  abstract requestStop(): void;
  /**
   * Ends the running generation without its graceful stop and starts the next at once; no
   * failure is counted. Resolves to whether a new generation runs (if not, the failure that
   * ended it is reported to the owner as the child's own exit).
   */
  abstract hardReset(): Promise<boolean>;
  /** Fails the running generation with `error`, as its own failure (`child.fail`). */
  abstract fail(error: Error): Promise<void>;
  /** Delivers `event` to the running generation; false (and nothing sent) when none runs. */
  abstract send(event: { type: string }): boolean;
  /** Why the latest generation ended: normal, shutdown or failure. */
  abstract exitReason(): ExitReason;
  /** Whether the latest stop had to kill the generation. */
  abstract wasKilled(): boolean;
  /** The child's node in `getTree()`. */
  abstract node(): TreeNode;
  /** Stops everything of the child for good (it is removed, or its supervisor stopped). */
  abstract dispose(): void;
}
