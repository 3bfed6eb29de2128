/**
 * `getTree()`: the live state of a service or a whole supervision tree.
 */
import { type OwnRuntime, ownRuntime, ownRuntimeOf } from './actors/child-contract.ts';
import type { ServiceRuntime } from './actors/loop.ts';
import type { SupervisorCore } from './actors/supervisor-core.ts';
import { CommandError } from './errors.ts';
import { type AnyActorRef, isActorNotStarted } from './internal/xstate.ts';
import type { LifecycleState, TreeNode, TreeSource } from './tree-node.ts';

const STATES = new Set<string>(['idle', 'starting', 'running', 'stopping', 'stopped', 'failed']);

/** The top-level lifecycle state of a snapshot value. @internal */
export function lifecycleOf(value: unknown): LifecycleState {
  const top = typeof value === 'string' ? value : Object.keys(value as object)[0];
  return (top && STATES.has(top) ? top : 'idle') as LifecycleState;
}

/** The runtime behind a service or supervisor actor, or undefined for other actors. @internal */
export function sourceOf(actor: AnyActorRef): OwnRuntime | undefined {
  return ownRuntime(actor);
}

/** The runtime and what it is, or null for actors that are not ours. @internal */
export function runtimeOf(
  actor: AnyActorRef,
):
  | { source: ServiceRuntime; kind: 'service' }
  | { source: SupervisorCore; kind: 'supervisor' }
  | null {
  const own = ownRuntimeOf(actor);
  if (!own) return null;
  return own.kind === 'service'
    ? { source: own.runtime, kind: 'service' }
    : { source: own.runtime, kind: 'supervisor' };
}

/** Whether `value` is an actor at all (a missing or wrong argument gets a clear error). */
function isActor(value: unknown): value is AnyActorRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { getSnapshot?: unknown }).getSnapshot === 'function'
  );
}

/**
 * The runtime behind `actor`, or a `CommandError` (`NOT_A_SUPERVISED_ACTOR`) naming what was
 * received, for `fn` (the public function called). @internal
 */
export function requireSource(actor: unknown, fn: string): TreeSource {
  const source = isActor(actor) ? sourceOf(actor) : undefined;
  if (!source) {
    const got = isActor(actor)
      ? `actor "${actor.id}"`
      : actor === null || actor === undefined
        ? String(actor)
        : `a ${typeof actor}`;
    throw new CommandError(
      'NOT_A_SUPERVISED_ACTOR',
      `${fn}() expects an actor of a machine made by createService or createSupervisor (createActor(machine)), got ${got}.`,
    );
  }
  return source;
}

/**
 * The lifecycle state of one of our actors: `idle` until it is started (XState computes a
 * not-started actor's snapshot already, past the `always` that starts it). @internal
 */
export function stateOf(actor: AnyActorRef): LifecycleState {
  if (isActorNotStarted(actor)) return 'idle';
  return lifecycleOf((actor.getSnapshot() as { value: unknown }).value);
}

/** The tree node of one actor. @internal */
export function nodeOf(actor: AnyActorRef): TreeNode {
  return requireSource(actor, 'getTree').treeNode(stateOf(actor));
}

/**
 * The live state of a service or of a whole supervision tree, as plain JSON-safe data.
 * Cheap: it reads counters, it sends no event.
 *
 * Gotchas: it is a copy taken now, not a live view; call it again to see changes. `state` is
 * the top-level state only (a service in a hard reset shows `running`). It throws a
 * `CommandError` (`NOT_A_SUPERVISED_ACTOR`) for an actor that is not a service or supervisor.
 *
 * @example
 * ```ts
 * const poller = createService({ id: 'poller', iterate() {} });
 * const root = createSupervisor({ id: 'root', children: [poller] });
 * const actor = createActor(root).start();
 * const tree = getTree(actor);
 * // { id: 'root', kind: 'supervisor', state: 'running', generation: 0, failures: 0, restarts: 0,
 * //   children: [{ id: 'poller', kind: 'service', state: 'running', iterations: 12, ... }] }
 * ```
 */
export function getTree(actor: AnyActorRef): TreeNode {
  return nodeOf(actor);
}
