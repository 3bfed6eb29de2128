/**
 * `formatTree()`: the supervision tree as a listing a person reads at a terminal (the CLI's
 * `tree`, `service` and `send` output).
 */

import { kindFigure } from '../core/service-kind.ts';
import type { TreeNode } from '../core/tree-node.ts';

function cellsOf(node: TreeNode, depth: number): string[] {
  const cells = [
    `${'  '.repeat(depth)}${node.id}`,
    node.kind,
    node.state,
    `gen ${node.generation}`,
  ];
  if (node.kind === 'supervisor') cells.push(`restarts ${node.restarts}`);
  const kind = kindFigure(node);
  // A plain loop (no details) has nothing to add: its figure is its iterations, listed below.
  if (kind && kind.kind !== 'loop')
    cells.push(`[${kind.kind}]${kind.figure ? ` ${kind.figure}` : ''}`);
  if (node.value !== undefined) {
    cells.push(`value ${typeof node.value === 'string' ? node.value : JSON.stringify(node.value)}`);
  }
  if (node.iterations !== undefined) cells.push(`iterations ${node.iterations}`);
  if (node.failures > 0) cells.push(`failures ${node.failures}`);
  if (node.lastError !== undefined) {
    const message = node.lastError.message.split('\n')[0] ?? '';
    cells.push(`last error: ${message.length > 100 ? `${message.slice(0, 97)}...` : message}`);
  }
  return cells;
}

/**
 * Formats a tree node and its descendants, one node per line, children indented by two
 * spaces and the id, kind and state columns aligned:
 *
 * ```text
 * root        supervisor  running  gen 0  restarts 0
 *   api       service     running  gen 0  [http] http://127.0.0.1:8080 · 2 conn  iterations 1
 *   workers   supervisor  running  gen 0  restarts 1
 *     poller  service     running  gen 2  iterations 17  failures 1  last error: ECONNRESET
 *     jobs    service     running  gen 0  [queue] queued 3 · in flight 1  iterations 40
 * ```
 *
 * Supervisors show `restarts`; services of a kind (a queue worker, a server, a scheduled job,
 * a process, ...) that kind in brackets and its key figure (a queue's depth and tasks in
 * flight, a server's URL and connections, the next run, a pid: the inspector's rows show the
 * same), then every service its `iterations`; machines under `supervise()` their state
 * `value` (nested values as JSON); `failures` and the first line of the last error appear only
 * when there are any. Ends with a newline.
 *
 * @example
 * ```ts
 * import { formatTree, getTree } from 'xstate-supervisor';
 * process.stdout.write(formatTree(getTree(actor)));
 * ```
 */
export function formatTree(root: TreeNode): string {
  const rows: string[][] = [];
  const visit = (node: TreeNode, depth: number): void => {
    rows.push(cellsOf(node, depth));
    for (const child of node.children ?? []) visit(child, depth + 1);
  };
  visit(root, 0);
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  '))
    .map((line) => `${line.trimEnd()}\n`)
    .join('');
}
