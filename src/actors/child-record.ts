/**
 * A child that is one of the package's own machines (a service or a supervisor, of any kind):
 * its actor, the state the supervisor last saw, and the start/stop operations that wait for
 * the child to get there. Plain fields, no XState event per child beyond the lifecycle ones.
 */

import type { ChildSpec } from '../core/child-spec.ts';
import { toError } from '../core/errors.ts';
import { type ExitReason, failure, SHUTDOWN } from '../core/exit-reason.ts';
import type { LifecycleState, TreeNode } from '../core/tree-node.ts';
import {
  type AnyActorRef,
  type AnyStateMachine,
  createChildActor,
  stopActor,
} from '../internal/xstate.ts';
import { type ChildOwner, type StartOutcome, SupervisedChild } from './child-contract.ts';
import {
  IDLE_STOPPED_OR_FAILED,
  NOT_IN_TRANSITION,
  RUNNING_STOPPED_OR_FAILED,
  STOPPED_OR_FAILED,
} from './lifecycle-groups.ts';
import { lifecycleOf, nodeOf, type OwnRuntime, ownRuntime } from './own-runtime.ts';

/** A start, stop or failure waiting for the child to reach one of `states`. */
interface StateWaiter {
  readonly states: ReadonlySet<LifecycleState>;
  readonly resolve: (state: LifecycleState) => void;
}

/**
 * What a record subscribes to its actor with. A class, so a child costs one small object, where
 * an object literal of arrow functions costs a closure per callback.
 */
class ActorObserver {
  private readonly record: ChildRecord;
  private readonly actor: AnyActorRef;
  constructor(record: ChildRecord, actor: AnyActorRef) {
    this.record = record;
    this.actor = actor;
  }
  next(snapshot: unknown): void {
    this.record.onSnapshot(this.actor, (snapshot as { value: unknown }).value);
  }
  error(err: unknown): void {
    this.record.onCrash(this.actor, toError(err));
  }
}

/** Internal: a service or supervisor child of a supervisor (reachable through its snapshot). */
export class ChildRecord extends SupervisedChild {
  readonly machine: AnyStateMachine;
  actor: AnyActorRef | undefined;
  /** The lifecycle state last seen. */
  state: LifecycleState = 'idle';
  /** The actor crashed at the XState level and must be re-created before a start. */
  private crashed: Error | undefined;
  /** We are starting or stopping it: its state changes are ours, not exits. */
  private driving = false;
  private waiters: StateWaiter[] = [];
  private lastGeneration = -1;
  private readonly owner: ChildOwner;

  constructor(machine: AnyStateMachine, spec: ChildSpec, owner: ChildOwner) {
    super(spec);
    this.machine = machine;
    this.owner = owner;
  }

  get definition(): AnyStateMachine {
    return this.machine;
  }

  /** The lifecycle events of this kind of machine. */
  private event(what: 'start' | 'stop' | 'fail' | 'hard-reset'): string {
    return `${this.spec.kind === 'service' ? 'service' : 'supervisor'}.${what}`;
  }

  /** The child's current generation. */
  get generation(): number {
    return Math.max(0, this.runtime()?.generation ?? this.lastGeneration);
  }

  /** Why the child's latest generation ended. */
  exitReason(): ExitReason {
    if (this.crashed) return failure(this.crashed);
    return this.runtime()?.exit ?? SHUTDOWN;
  }

  /** Whether the latest stop had to kill the generation. */
  wasKilled(): boolean {
    return this.runtime()?.killed === true;
  }

  private runtime(): OwnRuntime | undefined {
    return this.actor ? ownRuntime(this.actor) : undefined;
  }

  /** Creates (or re-creates after a crash) the child actor under the supervisor's actor. */
  ensureActor(): AnyActorRef {
    if (this.actor && !this.crashed) return this.actor;
    if (this.actor) this.lastGeneration = this.generation;
    this.crashed = undefined;
    this.state = 'idle';
    const actor = createChildActor(this.machine, this.owner.self, this.id, {
      logger: this.owner.childLogger(this),
      autoStart: false,
      generation: this.actor ? this.lastGeneration : -1,
      // Only a supervisor needs its path (for its actors' systemIds): no array per service.
      path: this.spec.kind === 'supervisor' ? [...this.owner.path, this.id] : undefined,
    });
    this.actor = actor;
    actor.subscribe(new ActorObserver(this, actor));
    if (this.spec.kind === 'supervisor') {
      actor.on('*', (report) => this.owner.childReported(this, report as { type: string }));
    }
    actor.start();
    return actor;
  }

  /** A snapshot of `actor`, from its observer (ignored once the record has a new actor). */
  onSnapshot(actor: AnyActorRef, value: unknown): void {
    if (actor !== this.actor) return;
    const state = lifecycleOf(value);
    if (state === this.state) return;
    const previous = this.state;
    this.state = state;
    if (this.waiters.length > 0) {
      const still: StateWaiter[] = [];
      for (const w of this.waiters) {
        if (w.states.has(state)) w.resolve(state);
        else still.push(w);
      }
      this.waiters = still;
    }
    if (
      STOPPED_OR_FAILED.has(state) &&
      !this.driving &&
      previous !== state &&
      this.wanted === 'running'
    ) {
      this.owner.childExited(this, this.exitReason(), this.generation);
    }
  }

  /** `actor` crashed at the XState level, from its observer. */
  onCrash(actor: AnyActorRef, error: Error): void {
    if (actor !== this.actor) return;
    this.crashed = error;
    this.onSnapshot(actor, 'failed');
  }

  private transition(states: ReadonlySet<LifecycleState>): Promise<LifecycleState> {
    return new Promise((resolve) => this.waiters.push({ states, resolve }));
  }

  /** Starts the child and waits until it runs, is vetoed, or fails. */
  async start(now: number): Promise<StartOutcome> {
    const actor = this.ensureActor();
    this.wanted = 'running';
    this.awaitingRestart = false;
    this.driving = true;
    try {
      const reached = this.transition(NOT_IN_TRANSITION);
      actor.send({ type: this.event('start') });
      const state = await reached;
      if (state === 'running') {
        this.startedAt = now;
        return 'running';
      }
      if (state === 'idle') {
        this.wanted = 'stopped';
        return 'vetoed';
      }
      const reason = this.exitReason();
      return {
        error:
          reason._tag === 'Failure'
            ? reason.error
            : new Error(`child "${this.id}" ended while starting`),
      };
    } finally {
      this.driving = false;
    }
  }

  /** Stops the child (if it runs) and waits until it has; resolves to whether it was killed. */
  async stop(): Promise<boolean> {
    this.wanted = 'stopped';
    this.awaitingRestart = false;
    const actor = this.actor;
    if (!actor || IDLE_STOPPED_OR_FAILED.has(this.state)) return false;
    this.driving = true;
    try {
      const ended = this.transition(STOPPED_OR_FAILED);
      actor.send({ type: this.event('stop') });
      await ended;
      return this.wasKilled();
    } finally {
      this.driving = false;
    }
  }

  /** Asks the child to stop without waiting (a start in progress is aborted by it). */
  requestStop(): void {
    this.actor?.send({ type: this.event('stop') });
  }

  private transitionAfter(event: { type: string }, states: ReadonlySet<LifecycleState>) {
    const reached = this.transition(states);
    this.actor?.send(event);
    return reached;
  }

  /** A service resets its loop in place; a supervisor's hard reset is a restart. */
  async hardReset(): Promise<boolean> {
    const actor = this.actor;
    if (!actor || this.spec.kind !== 'service') return false;
    const before = this.generation;
    actor.send({ type: this.event('hard-reset') });
    // The generation moves on once the reset has fenced the old loop and the new one runs; a
    // stop or failure during the reset leaves `running` without it.
    await this.waitForSnapshot(() => this.generation > before || this.state !== 'running');
    return this.generation > before;
  }

  async fail(error: Error): Promise<void> {
    await this.transitionAfter(
      { type: this.event('fail'), error } as { type: string },
      RUNNING_STOPPED_OR_FAILED,
    );
  }

  /** The package's own machines take commands, not events, from their supervisor. */
  send(): boolean {
    return false;
  }

  /** Resolves once a snapshot of the child satisfies `test` (checked at once, then on each change). */
  private waitForSnapshot(test: (snapshot: unknown) => boolean): Promise<void> {
    const actor = this.actor;
    if (!actor || test(actor.getSnapshot())) return Promise.resolve();
    return new Promise((resolve) => {
      const sub = actor.subscribe({
        next: (snapshot) => {
          if (test(snapshot)) {
            sub.unsubscribe();
            resolve();
          }
        },
        error: () => resolve(),
        complete: () => resolve(),
      });
    });
  }

  /** Stops the XState actor for good (the child is removed, or its supervisor stopped). */
  dispose(): void {
    for (const w of this.waiters) w.resolve('stopped');
    this.waiters = [];
    // The stopped actor is kept: its last snapshot still describes the child.
    if (this.actor) stopActor(this.actor);
  }

  node(): TreeNode {
    if (!this.actor) {
      return {
        id: this.id,
        kind: this.spec.kind,
        state: 'idle',
        generation: 0,
        failures: 0,
        restarts: 0,
      };
    }
    return nodeOf(this.actor);
  }
}
