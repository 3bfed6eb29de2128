/**
 * The shape `getTree()` returns (SPEC §4). Types only.
 */

/** Lifecycle states shared by services and supervisors. */
export type LifecycleState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/**
 * One node of the supervision tree.
 *
 * @example
 * ```ts
 * const node: TreeNode = getTree(actor);
 * console.log(node.children?.map((c) => `${c.id}: ${c.state} gen ${c.generation}`));
 * ```
 */
export interface TreeNode {
  id: string;
  kind: 'supervisor' | 'service';
  state: LifecycleState;
  generation: number;
  /** Services: iterations of the current generation. */
  iterations?: number;
  /** Failures in the current generation. */
  failures: number;
  /** Restarts in the current window (supervisors; 0 for services). */
  restarts: number;
  lastError?: { message: string; stack?: string; at: number };
  /** Supervisors: children in declared order. */
  children?: TreeNode[];
}

/** Anything that can describe itself as a tree node (a service or supervisor runtime; internal). */
export interface TreeSource {
  treeNode(state: LifecycleState): TreeNode;
}
