/**
 * The thin layer between this package and XState. Every XState-specific call goes through
 * here, so a move to XState v6 (which renames most action creators) touches one file.
 * Internal: not exported from the package (blocked by the `exports` map).
 */
import {
  type AnyActorLogic,
  type AnyActorRef,
  type AnyStateMachine,
  assign,
  createActor,
  type EventFromLogic,
  emit,
  fromCallback,
  fromPromise,
  getNextTransitions,
  type InputFrom,
  type SnapshotFrom,
  sendTo,
  setup,
} from 'xstate';

export type {
  AnyActorLogic,
  AnyActorRef,
  AnyStateMachine,
  EventFromLogic,
  InputFrom,
  SnapshotFrom,
};
export { assign, createActor, emit, fromCallback, fromPromise, sendTo, setup };

/** The clock XState uses for delays; `now` is optional (SimulatedClock has it). */
export interface Clock {
  setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now?: () => number;
}

interface ActorInternals {
  system: { _clock?: Clock };
  _actorScope: { emit(event: { type: string }): void };
  _parent?: AnyActorRef;
  _stop(): void;
  _processingStatus: number;
}

const realNow = (): number => performance.now();

/** The clock of the actor system `actor` belongs to (injectable with `createActor(root, { clock })`). */
const clocks = new WeakMap<object, Required<Clock>>();

export function clockOf(actor: AnyActorRef): Required<Clock> {
  const system = (actor as unknown as ActorInternals).system;
  let resolved = clocks.get(system);
  if (!resolved) {
    resolved = resolveClock(system._clock);
    clocks.set(system, resolved);
  }
  return resolved;
}

function resolveClock(clock: Clock | undefined): Required<Clock> {
  if (!clock) {
    return {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      now: realNow,
    };
  }
  return {
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (h) => clock.clearTimeout(h),
    now: clock.now ? () => clock.now!() : realNow,
  };
}

/**
 * Creates a child actor attached to `parent` without putting it in the parent's snapshot
 * (`createActor(logic, { parent })`): O(1) per child, where `spawnChild` copies the children
 * map on every spawn. The parent must stop it with {@link stopActor}.
 */
export function createChildActor(
  logic: AnyStateMachine,
  parent: AnyActorRef,
  id: string,
  input: unknown,
): AnyActorRef {
  return createActor(logic, { parent, id, input });
}

/**
 * Creates a supervised user actor under `parent` (so it joins the parent's system), registered
 * under `systemId`. Throws when another live actor holds that `systemId`.
 */
export function createSupervisedActor(
  logic: AnyActorLogic,
  parent: AnyActorRef,
  id: string,
  input: unknown,
  systemId: string,
): AnyActorRef {
  return createActor(logic, { parent, id, input, systemId } as never) as AnyActorRef;
}

/** Whether `value` is XState actor logic (a machine, `fromPromise`, `fromCallback`, ...). */
export function isActorLogic(value: unknown): value is AnyActorLogic {
  const v = value as { transition?: unknown; getInitialSnapshot?: unknown } | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.transition === 'function' &&
    typeof v.getInitialSnapshot === 'function'
  );
}

/** Whether `logic` is a state machine (made by `createMachine` / `setup().createMachine`). */
export function isStateMachine(logic: unknown): logic is AnyStateMachine {
  return (
    typeof logic === 'object' &&
    logic !== null &&
    (logic as { __xstatenode?: unknown }).__xstatenode === true
  );
}

/** The id XState gives a machine created without one. */
export const ANONYMOUS_MACHINE_ID = '(machine)';

/** Every tag a state of `machine` declares. */
export function machineTags(machine: AnyStateMachine): Set<string> {
  const tags = new Set<string>();
  type Node = { tags?: readonly string[]; states?: Record<string, Node> };
  const walk = (node: Node) => {
    for (const t of node.tags ?? []) tags.add(t);
    for (const child of Object.values(node.states ?? {})) walk(child);
  };
  walk(machine.root as unknown as Node);
  return tags;
}

/**
 * Stops `actor` and every actor below it. A machine stopped by XState stops its own children,
 * but one that failed (status `error`) leaves its invoked and spawned children running
 * (statelyai/xstate #5153): those are stopped here, depth first.
 */
export function stopActorTree(actor: AnyActorRef): void {
  if (!isActorStopped(actor)) {
    (actor as unknown as ActorInternals)._stop();
    // Stopping from inside the actor's own processing only queues XSTATE_STOP: done later.
    if (!isActorStopped(actor)) return;
  }
  for (const child of snapshotChildrenOf(actor)) stopActorTree(child);
}

/** Stops any actor, root or child (XState's public `stop()` refuses non-root actors). */
export function stopActor(actor: AnyActorRef): void {
  (actor as unknown as ActorInternals)._stop();
}

/** True while the actor has not been started (XState's ProcessingStatus.NotStarted is 0). */
export function isActorNotStarted(actor: AnyActorRef): boolean {
  return (actor as unknown as ActorInternals)._processingStatus === 0;
}

/** True once the actor has been stopped (XState's ProcessingStatus.Stopped is 2). */
export function isActorStopped(actor: AnyActorRef): boolean {
  return (actor as unknown as ActorInternals)._processingStatus === 2;
}

/**
 * Emits an event on an actor from outside a transition (what the `emit` action does inside one).
 * Cheap when nobody listens: XState checks for listeners first.
 */
export function emitFrom<E extends { type: string }>(actor: AnyActorRef, event: E): void {
  (actor as unknown as ActorInternals)._actorScope.emit(event);
}

const DERIVED = Symbol.for('xstate-supervisor.derived');

/**
 * A machine that behaves as `base` under another id, carrying `data` for its actors to read
 * (see {@link derivedData}). It shares `base`'s state nodes: one definition serves every
 * service, where `createMachine` per service costs ~20 KB of state nodes each.
 */
export function deriveMachine<M extends AnyStateMachine>(base: M, id: string, data: unknown): M {
  const derived = Object.create(base) as M;
  Object.defineProperty(derived, 'id', { value: id, enumerable: true });
  Object.defineProperty(derived, DERIVED, { value: data });
  Object.defineProperty(derived, 'provide', { value: provideDerived });
  return derived;
}

/**
 * `provide()` of a derived machine. `base.provide()` builds a new StateMachine: derive that one
 * the same way, and carry over every symbol-keyed property (the child spec a supervisor reads).
 * One shared function that reads the machine from `this`, not a closure per definition.
 */
function provideDerived<M extends AnyStateMachine>(
  this: M,
  implementations: Parameters<M['provide']>[0],
): M {
  const base = Object.getPrototypeOf(this) as M;
  const data = (this as unknown as Record<symbol, unknown>)[DERIVED];
  const provided = deriveMachine(base.provide(implementations) as M, this.id, data);
  for (const key of Object.getOwnPropertySymbols(this)) {
    if (key === DERIVED) continue;
    Object.defineProperty(provided, key, { value: (this as Record<symbol, unknown>)[key] });
  }
  return provided;
}

/** The data of the derived machine an actor runs (`self` in a context factory). */
export function derivedData<T>(actor: AnyActorRef): T {
  return (actor as unknown as { logic: { [DERIVED]: T } }).logic[DERIVED];
}

/** Sends `event` to `actor` unless it has been stopped (a late promise settling, say). */
export function sendUnlessStopped<E extends { type: string }>(actor: AnyActorRef, event: E): void {
  if (!isActorStopped(actor)) actor.send(event);
}

// ---------------------------------------------------------------------------------------------
// Inspection: what the inspector reads of actors it did not create.

/** One inspection event of XState's system (`@xstate.actor`, `@xstate.snapshot`, `@xstate.event`, ...). */
export interface SystemInspectionEvent {
  readonly type: string;
  readonly actorRef: AnyActorRef;
  readonly rootId: string;
  readonly sourceRef?: AnyActorRef | undefined;
  readonly event?: { type: string; [key: string]: unknown };
  readonly snapshot?: unknown;
}

/**
 * Observes every inspection event of the system `actor` belongs to, also for actors created
 * later (XState's `system.inspect`). XState skips building events while nobody observes.
 */
export function inspectSystem(
  actor: AnyActorRef,
  next: (event: SystemInspectionEvent) => void,
): () => void {
  const system = actor.system as unknown as {
    inspect(observer: { next(e: SystemInspectionEvent): void }): { unsubscribe(): void };
  };
  const subscription = system.inspect({ next });
  return () => subscription.unsubscribe();
}

/** The actor's parent, if it has one. */
export function parentOf(actor: AnyActorRef): AnyActorRef | undefined {
  return (actor as unknown as ActorInternals)._parent;
}

/** The actors in a snapshot's `children` (invoked and spawned by a machine); none for other logic. */
export function snapshotChildrenOf(actor: AnyActorRef): AnyActorRef[] {
  const children = (actor.getSnapshot() as { children?: Record<string, AnyActorRef> } | undefined)
    ?.children;
  return children ? Object.values(children).filter((c) => c !== undefined) : [];
}

/** The machine an actor runs, or undefined when its logic is not a state machine. */
export function machineOf(actor: AnyActorRef): AnyStateMachine | undefined {
  const logic = (actor as unknown as { logic?: { root?: unknown } }).logic;
  return logic && typeof logic === 'object' && logic.root ? (logic as AnyStateMachine) : undefined;
}

/** Listens to every event the actor emits (reports, ...); returns the unsubscribe. */
export function onEveryEmitted(
  actor: AnyActorRef,
  listener: (event: { type: string; [key: string]: unknown }) => void,
): () => void {
  const subscription = (
    actor as unknown as {
      on(
        type: '*',
        fn: (e: { type: string; [key: string]: unknown }) => void,
      ): {
        unsubscribe(): void;
      };
    }
  ).on('*', listener);
  return () => subscription.unsubscribe();
}

/** One transition out of a machine's current state: its event type and whether it has a guard. */
export interface NextTransition {
  /** The event type as the machine declares it (`''` for `always`, `*` wildcards as written). */
  readonly eventType: string;
  /** The guard as the machine config gives it (a name, an object with `type`, a function). */
  readonly guard: unknown;
}

/**
 * Every transition out of the states `snapshot` is in (its active atomic states and their
 * ancestors, guards not evaluated), in XState's deterministic order: XState's public
 * `getNextTransitions` (added in 5.x, which reads the snapshot's private `_nodes`). Empty for a
 * snapshot that is not a machine's.
 */
export function nextTransitionsOf(snapshot: unknown): NextTransition[] {
  if (!snapshot || typeof snapshot !== 'object' || !('machine' in snapshot)) return [];
  return getNextTransitions(snapshot as Parameters<typeof getNextTransitions>[0]).map((t) => ({
    eventType: String(t.eventType),
    guard: t.guard,
  }));
}
