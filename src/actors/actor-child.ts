/**
 * A child that is the user's own XState actor logic (`supervise()`, SPEC §8). Each generation
 * is a new actor of the logic, registered under its `systemId`; the lifecycle state is ours,
 * mapped from the actor's snapshots: `starting` until `ready`, `running`, then `stopped` on
 * status `done` and `failed` on status `error`.
 */

import type { ActorChildSpec } from '../core/child-spec.ts';
import { StartTimeoutError, toError } from '../core/errors.ts';
import { type ExitReason, failure, NORMAL, SHUTDOWN } from '../core/exit-reason.ts';
import { errorFields, type Logger, markLogged } from '../core/logger.ts';
import type { LifecycleState, TreeNode } from '../core/tree-node.ts';
import { LongTimeout, settlesWithin } from '../internal/waiter.ts';
import {
  type AnyActorRef,
  createSupervisedActor,
  isStateMachine,
  machineTags,
  stopActorTree,
} from '../internal/xstate.ts';
import { type ChildOwner, type StartOutcome, SupervisedChild } from './child-contract.ts';
import { type LastError, lastErrorOf } from './last-error.ts';

/**
 * The error a supervised actor's start fails with when `ready` has not held within
 * `startTimeout`. `code` is `START_TIMEOUT`, as for a service's `onStart`; the actor is stopped.
 *
 * @example
 * ```ts
 * actor.on('child.failed', (r) => {
 *   if (r.reason instanceof ReadyTimeoutError) console.error(`${r.id} never got ready`);
 * });
 * ```
 */
export class ReadyTimeoutError extends StartTimeoutError {
  constructor(id: string, generation: number, startTimeout: number) {
    super(id, generation, startTimeout);
    this.message = `Actor "${id}" generation ${generation} was not ready within startTimeout ${startTimeout} ms; its start failed and the actor was stopped. Raise startTimeout or check the \`ready\` tag or predicate.`;
  }
}

type Snapshot = {
  status: string;
  value?: unknown;
  error?: unknown;
  hasTag?: (tag: string) => boolean;
};

/** What the child subscribes to its actor with: one small object per generation. */
class GenerationObserver {
  private readonly child: ActorChild;
  private readonly actor: AnyActorRef;
  constructor(child: ActorChild, actor: AnyActorRef) {
    this.child = child;
    this.actor = actor;
  }
  next(snapshot: unknown): void {
    this.child.onSnapshot(this.actor, snapshot as Snapshot);
  }
  error(err: unknown): void {
    this.child.onEnd(this.actor, failure(toError(err)));
  }
  complete(): void {
    // A done actor is stopped only after its observers saw the done snapshot: now its
    // remaining children (spawned ones, say) can be stopped.
    stopActorTree(this.actor);
  }
}

/** Internal: a supervised user actor, one actor per generation. */
export class ActorChild extends SupervisedChild {
  declare readonly spec: ActorChildSpec;
  actor: AnyActorRef | undefined;
  state: LifecycleState = 'idle';
  private gen = -1;
  private failures = 0;
  private lastError: LastError | undefined;
  private exit: ExitReason = SHUTDOWN;
  private killed = false;
  /** A stop of ours is under way: the actor's end is the stop's, not an exit. */
  private stopping: (() => void) | undefined;
  /** A start is under way (its outcome not decided yet). */
  private starting = false;
  /** Resolves the start's promise, once one was handed out (a start that did not end at once). */
  private startResolve: ((outcome: StartOutcome) => void) | undefined;
  /** The outcome of a start decided before its promise was made (most starts: no `ready`). */
  private startOutcome: StartOutcome | undefined;
  private startTimer: LongTimeout | undefined;
  /** The clock time `start()` was given: `startedAt` once that start runs (undefined: now). */
  private startNow: number | undefined;
  private readonly owner: ChildOwner;
  /** Made on first use: most children never log, and a logger's `child()` may be costly. */
  private log: Logger | undefined;
  /** Each generation is registered under it: the path, unless `systemId` is given. */
  private readonly systemId: string;

  constructor(spec: ActorChildSpec, owner: ChildOwner) {
    super(spec);
    this.owner = owner;
    const { path } = owner;
    this.systemId = spec.systemId ?? (path.length === 0 ? spec.id : `${path.join('/')}/${spec.id}`);
    const { ready, logic } = spec;
    if (typeof ready === 'string' && isStateMachine(logic) && !machineTags(logic).has(ready)) {
      this.logger.warn(
        { child: spec.id, ready, tags: [...machineTags(logic)] },
        `ready tag "${ready}" is declared by no state of machine "${logic.id}"; the child will never be ready and its start will fail at startTimeout`,
      );
    }
  }

  get generation(): number {
    return Math.max(0, this.gen);
  }

  get definition(): object {
    return this.spec.logic;
  }

  private get logger(): Logger {
    this.log ??= this.owner.childLogger(this);
    return this.log;
  }

  exitReason(): ExitReason {
    return this.exit;
  }

  wasKilled(): boolean {
    return this.killed;
  }

  start(now: number): Promise<StartOutcome> {
    this.wanted = 'running';
    this.awaitingRestart = false;
    this.startNow = now;
    return this.begin();
  }

  /** A new generation: a new actor, `starting` until ready. */
  private begin(): Promise<StartOutcome> {
    this.gen++;
    this.failures = 0;
    this.killed = false;
    this.exit = SHUTDOWN;
    this.state = 'starting';
    this.starting = true;
    this.startResolve = undefined;
    try {
      this.launch();
    } catch (e) {
      this.starting = false;
      return Promise.reject(e);
    }
    if (!this.starting) {
      // Decided during the actor's start (ready at once, or failed): no pending promise, no
      // closure; the common case of a start without `ready`.
      const outcome = this.startOutcome!;
      this.startOutcome = undefined;
      return Promise.resolve(outcome);
    }
    return new Promise<StartOutcome>((resolve) => {
      this.startResolve = resolve;
    });
  }

  /** Creates and starts the generation's actor; the start may be decided before it returns. */
  private launch(): void {
    let actor: AnyActorRef;
    try {
      const { logic, input } = this.spec;
      actor = createSupervisedActor(logic, this.owner.self, this.id, input, this.systemId);
    } catch (e) {
      // Another live actor holds the systemId: a start failure, not a crash.
      this.actor = undefined;
      this.ended(failure(toError(e)));
      return;
    }
    this.actor = actor;
    if (this.spec.ready !== undefined) {
      const { startTimeout } = this.spec;
      this.startTimer = new LongTimeout(
        this.owner.clock,
        () => this.startTimedOut(actor, startTimeout),
        startTimeout,
      );
    }
    actor.subscribe(new GenerationObserver(this, actor));
    actor.start();
  }

  private startTimedOut(actor: AnyActorRef, startTimeout: number): void {
    this.startTimer = undefined;
    if (actor !== this.actor || this.state !== 'starting') return;
    stopActorTree(actor);
    this.ended(failure(new ReadyTimeoutError(this.id, this.gen, startTimeout)));
  }

  private isReady(snapshot: Snapshot): boolean {
    const ready = this.spec.ready;
    if (ready === undefined) return true;
    if (typeof ready === 'string') return snapshot.hasTag?.(ready) === true;
    try {
      return (ready as (s: unknown) => boolean)(snapshot) === true;
    } catch (e) {
      this.logger.warn({ child: this.id, err: toError(e) }, 'the ready predicate threw; not ready');
      return false;
    }
  }

  /** A snapshot of `actor` (ignored once a newer generation runs). */
  onSnapshot(actor: AnyActorRef, snapshot: Snapshot): void {
    if (actor !== this.actor) return;
    if (snapshot.status === 'done') {
      this.onEnd(actor, NORMAL);
      return;
    }
    if (this.state === 'starting' && snapshot.status === 'active' && this.isReady(snapshot)) {
      this.clearStartTimer();
      this.state = 'running';
      this.settleStart('running');
    }
  }

  /** `actor` ended on its own: status `done` (normal) or `error` (failure). */
  onEnd(actor: AnyActorRef, reason: ExitReason): void {
    if (actor !== this.actor) return;
    // Nothing of a generation outlives it: a failed machine leaves its children running.
    stopActorTree(actor);
    const stop = this.stopping;
    if (stop) {
      // An end while we stop it: the stop is over (an error while stopping is only logged).
      // This line is the error's one line (decision 0049): its stack here, marked as logged,
      // so no later line about the same error (a `child.failed`) writes it again.
      if (reason._tag === 'Failure') {
        this.logger.warn(
          { child: this.id, ...errorFields(reason.error) },
          'the actor failed while stopping',
        );
        markLogged(reason.error);
      }
      stop();
      return;
    }
    this.ended(reason);
  }

  /** Records the end of the current generation and tells whoever waits for it. */
  private ended(reason: ExitReason): void {
    this.clearStartTimer();
    this.exit = reason;
    if (reason._tag === 'Failure') {
      this.failures++;
      this.lastError = lastErrorOf(reason.error);
      this.state = 'failed';
    } else {
      this.state = 'stopped';
    }
    if (this.starting) {
      // A normal end while starting: the start succeeded and the child ended at once (its
      // exit is decided after the start, as OTP does for a child that exits right away).
      this.settleStart(reason._tag === 'Failure' ? { error: reason.error } : 'running');
      if (reason._tag === 'Failure') return;
    }
    if (this.wanted === 'running') this.owner.childExited(this, reason, this.gen);
  }

  private settleStart(outcome: StartOutcome): void {
    if (!this.starting) return;
    this.starting = false;
    if (outcome === 'running') this.startedAt = this.startNow ?? this.owner.clock.now();
    const resolve = this.startResolve;
    this.startResolve = undefined;
    if (resolve) resolve(outcome);
    else this.startOutcome = outcome;
  }

  private clearStartTimer(): void {
    this.startTimer?.clear();
    this.startTimer = undefined;
  }

  /**
   * Ends the current generation as a stop of ours: with `graceful`, the `stop` event first and
   * up to `gracePeriod` for the actor to end. Resolves to whether it had to be killed.
   */
  private async halt(graceful: boolean): Promise<boolean> {
    const actor = this.actor;
    if (!actor || (this.state !== 'running' && this.state !== 'starting')) return false;
    this.clearStartTimer();
    const wasStarting = this.state === 'starting';
    this.state = 'stopping';
    let killed = false;
    const event = this.spec.stop;
    if (graceful && event && !wasStarting) {
      const ended = new Promise<void>((resolve) => {
        this.stopping = resolve;
      });
      actor.send(event);
      killed = !(await settlesWithin(ended, this.spec.gracePeriod, this.owner.clock));
      this.stopping = undefined;
    }
    stopActorTree(actor);
    this.exit = SHUTDOWN;
    this.killed = killed;
    this.state = 'stopped';
    if (wasStarting)
      this.settleStart({ error: new Error(`child "${this.id}" was stopped while starting`) });
    return killed;
  }

  stop(): Promise<boolean> {
    this.wanted = 'stopped';
    this.awaitingRestart = false;
    return this.halt(true);
  }

  requestStop(): void {
    void this.halt(true);
  }

  async hardReset(): Promise<boolean> {
    if (this.state !== 'running') return false;
    await this.halt(false);
    // `startedAt` is when the new generation runs (settleStart), not when it began.
    this.startNow = undefined;
    const outcome = await this.begin();
    if (outcome === 'running') return true;
    // The new generation failed to start: that failure is its own exit.
    if (typeof outcome === 'object' && this.wanted === 'running') {
      this.owner.childExited(this, this.exit, this.gen);
    }
    return false;
  }

  async fail(error: Error): Promise<void> {
    if (this.state !== 'running' && this.state !== 'starting') return;
    await this.halt(true);
    this.ended(failure(error));
  }

  send(event: { type: string }): boolean {
    if (this.state !== 'running' || !this.actor) return false;
    this.actor.send(event);
    return true;
  }

  dispose(): void {
    this.clearStartTimer();
    this.stopping?.();
    // An Error (and its stack) only for a start that is really pending: a shutdown disposes
    // every child, and most are not starting.
    if (this.starting) {
      this.settleStart({ error: new Error(`child "${this.id}" was disposed while starting`) });
    }
    if (this.actor) stopActorTree(this.actor);
  }

  node(): TreeNode {
    const node: TreeNode = {
      id: this.id,
      kind: 'actor',
      state: this.state,
      generation: this.generation,
      failures: this.failures,
      restarts: 0,
    };
    if (this.lastError) node.lastError = { ...this.lastError };
    if (this.actor && isStateMachine(this.spec.logic)) {
      const value = (this.actor.getSnapshot() as Snapshot).value;
      if (value !== undefined) node.value = value as NonNullable<TreeNode['value']>;
    }
    return node;
  }
}
