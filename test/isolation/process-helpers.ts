/**
 * Helpers for the process tests: fixture paths, real-time polling, and checks that a process
 * is really gone (no process, no zombie).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyActorRef } from 'xstate';
import { getTree } from '../../src/actors/tree.ts';
import type { TreeNode } from '../../src/core/tree-node.ts';

/** The absolute path of `test/fixtures/processes/<name>`. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/processes/${name}`, import.meta.url));
}

/** The least bound of a wait, in ms. */
const LEAST_BOUND = 30_000;

/**
 * Polls `test` every 10 ms until it returns a value other than undefined/false. `timeout` is
 * what the wait takes on a quiet machine; the wait is bounded by at least 30 s, so a machine
 * whose cores are busy with other work does not fail a test that is only slow.
 */
export async function until<T>(
  test: () => T | undefined | false,
  timeout = 5_000,
  what = 'condition',
): Promise<T> {
  const deadline = performance.now() + Math.max(timeout, LEAST_BOUND);
  for (;;) {
    const value = test();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${Math.max(timeout, LEAST_BOUND)} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** True when no process `pid` exists, not even a zombie. */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    // ESRCH: gone; a zombie would still answer kill(0), but check /proc anyway.
    return !isZombie(pid);
  }
  return false;
}

/** True when /proc says `pid` is a zombie (state Z). */
export function isZombie(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    const text = readFileSync(stat, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** A child of this process, as /proc shows it. */
export interface ChildProcessInfo {
  readonly pid: number;
  readonly comm: string;
  /** `Z` for a zombie. */
  readonly state: string;
}

/** The children of this process, zombies included, from /proc. */
export function childProcesses(): ChildProcessInfo[] {
  const found: ChildProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const [state, ppid] = stat.slice(close + 2).split(' ');
    if (Number(ppid) !== process.pid) continue;
    found.push({
      pid: Number(entry),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      state: state ?? '',
    });
  }
  return found;
}

/** The node of child `id` of a supervisor (or the service's own node). */
export function nodeOf(actor: AnyActorRef, id?: string): TreeNode | undefined {
  const tree = getTree(actor);
  return id === undefined ? tree : tree.children?.find((c) => c.id === id);
}

/** The pid in a node's details. */
export function pidOf(node: TreeNode | undefined): number | undefined {
  const pid = node?.details?.pid;
  return typeof pid === 'number' ? pid : undefined;
}
