/**
 * The shape `getTree()` returns (SPEC §4). Types only.
 */

/**
 * Lifecycle states shared by services and supervisors: the top-level states of their machines,
 * `idle → starting → running → stopping → stopped`, plus `failed`.
 *
 * Gotcha: a snapshot's `value` can be nested (`{ running: 'resetting' }` during a service's
 * hard reset); `getTree()` gives this flattened form.
 *
 * @example
 * ```ts
 * const ended = (state: LifecycleState) => state === 'stopped' || state === 'failed';
 * if (ended(getTree(actor).state)) console.log('the tree has ended');
 * ```
 */
export type LifecycleState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/**
 * One node of the supervision tree, as `getTree()` returns it (SPEC §4).
 *
 * Gotcha: the counters are per generation: `iterations` and `failures` go back to 0 on every
 * restart and hard reset, while `lastError` is kept.
 *
 * @example
 * ```ts
 * const node: TreeNode = getTree(actor);
 * console.log(node.children?.map((c) => `${c.id}: ${c.state} gen ${c.generation}`));
 * ```
 */
export interface TreeNode {
  /** The service's or supervisor's id. */
  id: string;
  /**
   * What the node is; only supervisors have `children`, only services `iterations`, only
   * actors (the user's own, under `supervise()`) `value`.
   */
  kind: 'supervisor' | 'service' | 'actor';
  /** The top-level lifecycle state. */
  state: LifecycleState;
  /** 0 for the first run (and before it), +1 on every later start, restart or hard reset. */
  generation: number;
  /** Services: iterations of the current generation. */
  iterations?: number;
  /** Failures in the current generation. */
  failures: number;
  /** Restarts in the current window (supervisors; 0 for services). */
  restarts: number;
  /** The latest failure (`at` from `Date.now()`), kept across generations; absent if none. */
  lastError?: { message: string; stack?: string; at: number };
  /** Supervisors: children in declared order. */
  children?: TreeNode[];
  /** Actors of a machine: the machine's state value (absent for other logic). */
  value?: string | Record<string, unknown>;
  /** Service kinds: what they add (a server's port, a cron's next fire times, a queue's size). */
  details?: Record<string, unknown>;
}

/** Anything that can describe itself as a tree node (a service or supervisor runtime; internal). */
export interface TreeSource {
  /** `shallow`: leave out `children`. */
  treeNode(state: LifecycleState, shallow?: boolean): TreeNode;
}
