/**
 * The runtime behind the package's own actors (services and supervisors), read through one
 * narrow interface, and the lifecycle state and tree node of such an actor. Knows nothing of the
 * concrete runtimes (`runtime-of.ts` names them, for the layers above).
 */
import { CommandError } from '../core/errors.ts';
import type { ExitReason } from '../core/exit-reason.ts';
import type { LifecycleState, TreeNode, TreeSource } from '../core/tree-node.ts';
import { type AnyActorRef, isActorNotStarted } from '../internal/xstate.ts';

/**
 * What the package's own machines (services and supervisors) keep as their runtime: the one
 * place their context shape is known.
 */
export interface OwnRuntime extends TreeSource {
  readonly generation: number;
  readonly exit: ExitReason;
  readonly killed?: boolean;
}

type OwnContext = { context?: { rt?: OwnRuntime; core?: OwnRuntime } } | undefined;

/** The runtime of a service or supervisor actor; undefined for any other actor. */
export function ownRuntime(actor: AnyActorRef): OwnRuntime | undefined {
  const context = (actor.getSnapshot() as OwnContext)?.context;
  return context?.rt ?? context?.core;
}

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
