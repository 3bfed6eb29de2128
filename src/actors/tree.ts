/**
 * `getTree()`: the live state of a service or a whole supervision tree.
 */
import type { TreeNode } from '../core/tree-node.ts';
import type { AnyActorRef } from '../internal/xstate.ts';
import { nodeOf } from './own-runtime.ts';

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
