/**
 * A tree as indented text, one node a line, for the message of a wait that ran out.
 */
import type { TreeNode } from '../core/tree-node.ts';

/** `root [supervisor] running gen 0`, children indented below. @internal */
export function treeText(node: TreeNode, depth = 0): string {
  const value = node.value === undefined ? '' : ` value ${JSON.stringify(node.value)}`;
  const error = node.lastError ? ` last error "${node.lastError.message}"` : '';
  const line = `${'  '.repeat(depth)}${node.id} [${node.kind}] ${node.state} gen ${node.generation}${value}${error}`;
  const below = (node.children ?? []).map((c) => treeText(c, depth + 1));
  return [line, ...below].join('\n');
}

/** The node at `path` (ids below `tree`), or undefined. @internal */
export function nodeAt(tree: TreeNode, path: readonly string[]): TreeNode | undefined {
  let node: TreeNode | undefined = tree;
  for (const id of path) node = node?.children?.find((c) => c.id === id);
  return node;
}

/** True when `node` is in `state`: its lifecycle state, or (an actor) its state value. @internal */
export function inState(node: TreeNode, state: string): boolean {
  if (node.state === state) return true;
  const value = node.value;
  if (typeof value === 'string') return value === state;
  return value !== undefined && Object.hasOwn(value, state);
}
