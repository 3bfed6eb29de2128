/**
 * Finding a node of the tree by its path (the ids below the root, as in a report's `path`).
 */
import type { SupervisedChild } from '../actors/child-contract.ts';
import { supervisorCoreOf } from '../actors/runtime-of.ts';
import type { SupervisorCore } from '../actors/supervisor-core.ts';
import type { AnyActorRef } from '../internal/xstate.ts';

/** The supervisor core behind an actor, if it is a supervisor. */
export function coreOf(actor: AnyActorRef | undefined): SupervisorCore | undefined {
  return supervisorCoreOf(actor);
}

/** A child found by path: its direct supervisor and its record. */
export interface Located {
  readonly core: SupervisorCore;
  readonly record: SupervisedChild;
}

/** Resolves `segments` (non-empty) from the root supervisor; undefined when a segment is unknown. */
export function locate(root: AnyActorRef, segments: readonly string[]): Located | undefined {
  let core = coreOf(root);
  for (let i = 0; core && i < segments.length; i++) {
    const record = core.byId.get(segments[i]!);
    if (!record) return undefined;
    if (i === segments.length - 1) return { core, record };
    core = coreOf(record.actor);
  }
  return undefined;
}

/** Calls `visit` for every child in the tree, depth first in declared order, with its path. */
export function walkChildren(
  root: AnyActorRef,
  visit: (record: SupervisedChild, path: readonly string[]) => void,
  prefix: readonly string[] = [],
): void {
  const core = coreOf(root);
  if (!core) return;
  for (const record of core.children) {
    const path = [...prefix, record.id];
    visit(record, path);
    if (record.spec.kind === 'supervisor' && record.actor) walkChildren(record.actor, visit, path);
  }
}
