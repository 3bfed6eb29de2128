/**
 * The concrete runtime of a service or supervisor actor (a `ServiceRuntime` or a
 * `SupervisorCore`), for the layers above the runtime: the control API, the inspector and
 * telemetry. The runtime itself reads its children only through `own-runtime.ts`.
 */
import type { AnyActorRef } from '../internal/xstate.ts';
import type { ServiceRuntime } from './loop.ts';
import type { SupervisorCore } from './supervisor-core.ts';

type OwnContext = { context?: { rt?: ServiceRuntime; core?: SupervisorCore } } | undefined;

/** A service's runtime or a supervisor's core, tagged with which it is. */
export type OwnRuntimeOf =
  | { readonly runtime: ServiceRuntime; readonly kind: 'service' }
  | { readonly runtime: SupervisorCore; readonly kind: 'supervisor' };

/** The runtime of a service or supervisor actor, and which it is; null for any other actor. */
export function ownRuntimeOf(actor: AnyActorRef): OwnRuntimeOf | null {
  const context = (actor.getSnapshot() as OwnContext)?.context;
  if (context?.core) return { runtime: context.core, kind: 'supervisor' };
  if (context?.rt) return { runtime: context.rt, kind: 'service' };
  return null;
}

/** The runtime of a service actor (its actions, its action context); undefined otherwise. */
export function serviceRuntimeOf(actor: AnyActorRef | undefined): ServiceRuntime | undefined {
  return actor && (actor.getSnapshot() as OwnContext)?.context?.rt;
}

/** The core of a supervisor actor (its children by id); undefined for any other actor. */
export function supervisorCoreOf(actor: AnyActorRef | undefined): SupervisorCore | undefined {
  return actor && (actor.getSnapshot() as OwnContext)?.context?.core;
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
