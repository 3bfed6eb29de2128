/**
 * The invariants of a fault run, checked from the recorded reports and the final tree alone:
 * each returns the violations it found, as sentences a failing test prints with the seed.
 */
import type { RestartType, TreeNode } from '../../src/index.ts';
import type { FaultRun, NodeSpec, Recorded } from './fault-tree.ts';

/** The invariants, one list of violations each. */
export interface Violations {
  /** An uncaught exception, an unhandled rejection, or a root actor that crashed. */
  readonly crash: string[];
  /** A node left `starting` or `stopping` after everything settled. */
  readonly stuck: string[];
  /** A node whose state or generation disagrees with the last report about it. */
  readonly treeVsReports: string[];
  /** A child left down under a running supervisor although its restart type says restart. */
  readonly restartPolicy: string[];
  /** A supervisor that escalated when its policy did not allow it, or did not when it had to. */
  readonly escalation: string[];
  /** A generation that hung past grace and ended without a `child.killed` report. */
  readonly killed: string[];
  /** A command over the control API answered with a 5xx. */
  readonly control5xx: string[];
}

const parentOf = (path: string): string => {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
};

/** SPEC §3: permanent always, transient after a failure, temporary never. */
export function shouldRestart(restart: RestartType, reason: unknown): boolean {
  if (restart === 'permanent') return true;
  if (restart === 'temporary') return false;
  return reason !== 'normal';
}

/** A child's own end (an error or `'normal'`), as opposed to a stop the supervisor made. */
const ownExit = (reason: unknown): boolean => reason === 'normal' || reason instanceof Error;

const describe = (r: Recorded): string => {
  const reason = r.reason instanceof Error ? r.reason.message : String(r.reason);
  return `${r.type} ${r.path || '(root)'} gen ${r.generation} at ${r.at} ms (${reason})`;
};

/** Every node of the tree by path (ids below the root joined by `/`; the root is `''`). */
export function flatten(tree: TreeNode): Map<string, TreeNode> {
  const out = new Map<string, TreeNode>();
  const walk = (node: TreeNode, path: string) => {
    out.set(path, node);
    for (const c of node.children ?? []) walk(c, path === '' ? c.id : `${path}/${c.id}`);
  };
  walk(tree, '');
  return out;
}

function checkEscalation(run: FaultRun, out: string[]): void {
  interface SupState {
    phase: 'idle' | 'stop' | 'start';
    times: number[];
    /** A restart the policy does not allow was decided: the next decision must escalate. */
    mustEscalate: Recorded | undefined;
  }
  const sups = new Map<string, SupState>();
  for (const [path, spec] of run.nodes) {
    if (spec.kind === 'supervisor')
      sups.set(path, { phase: 'idle', times: [], mustEscalate: undefined });
  }
  // The next report of the same supervisor (about a direct child, or its own escalation).
  const next = new Array<Recorded | undefined>(run.reports.length);
  const seen = new Map<string, Recorded>();
  for (let i = run.reports.length - 1; i >= 0; i--) {
    const r = run.reports[i]!;
    const sp = r.type === 'supervisor.intensity-exceeded' ? r.path : parentOf(r.path);
    next[i] = seen.get(sp);
    seen.set(sp, r);
  }
  const indexOf = new Map<Recorded, number>(run.reports.map((r, i) => [r, i]));
  const up = new Set<string>();
  const lastGeneration = new Map<string, number>();
  const decide = (sp: string, s: SupState, r: Recorded) => {
    const spec = run.nodes.get(sp)!;
    s.times = s.times.filter((t) => t > r.at - spec.restartWindow!);
    s.times.push(r.at);
    // One-for-one has no group to stop: the next own end is a decision of its own.
    s.phase = spec.strategy === 'one-for-one' ? 'start' : 'stop';
    if (s.times.length > spec.maxRestarts!) s.mustEscalate = r;
  };
  for (const [i, r] of run.reports.entries()) {
    // The supervisor's own report (intensity exceeded), or its (re)start by its parent.
    const own = sups.get(r.path);
    if (own && r.type === 'supervisor.intensity-exceeded') {
      if (!own.mustEscalate) {
        out.push(
          `${r.path || '(root)'} escalated at ${r.at} ms with ${own.times.length} restart(s) in its window; the policy allows ${run.nodes.get(r.path)!.maxRestarts}`,
        );
      }
      own.mustEscalate = undefined;
      own.phase = 'idle';
      continue;
    }
    const sp = parentOf(r.path);
    const s = r.path === '' ? undefined : sups.get(sp);
    const spec = run.nodes.get(r.path);
    const wasUp = up.has(r.path);
    // A start makes a new generation: a failure at the generation already reported is an old
    // end told again (a group restart finding a child still down), not a failed start.
    const newGeneration = r.generation > (lastGeneration.get(r.path) ?? -1);
    lastGeneration.set(r.path, r.generation);
    if (r.type === 'child.started' || r.type === 'child.restarted') up.add(r.path);
    if (r.type === 'child.stopped' || r.type === 'child.failed') up.delete(r.path);
    if (!s || !spec || r.type === 'child.killed') continue;
    if (s.mustEscalate) {
      // The decision that went over the limit must be followed by the escalation, unless the
      // supervisor was being stopped anyway (it then never counted that restart).
      if (r.reason !== 'supervisor stopping') {
        out.push(
          `${sp || '(root)'} did not escalate after ${describe(s.mustEscalate)}: ${s.times.length} restarts within ${run.nodes.get(sp)!.restartWindow} ms, maxRestarts ${run.nodes.get(sp)!.maxRestarts}; next was ${describe(r)}`,
        );
      }
      s.mustEscalate = undefined;
      s.phase = 'idle';
    }
    if (r.manualStartFailure) {
      // A manual start or restart that failed: answered START_FAILED, never restarted.
      s.phase = 'idle';
    } else if (r.type === 'child.started') {
      // Started with no reason: the supervisor's own start, which forgets every restart.
      if (r.reason === undefined) s.times = [];
      s.phase = 'idle';
    } else if (r.type === 'child.restarted') {
      if (r.reason === 'manual' || r.reason === 'hard-reset') s.phase = 'idle';
      else if (s.phase === 'stop') s.phase = 'start';
    } else if (!ownExit(r.reason)) {
      if (r.reason === 'supervisor stopping' || r.reason === 'manual') s.phase = 'idle';
    } else if (foundByOther(r, next[i], (report) => next[indexOf.get(report)!])) {
      // An own end the supervisor found while stopping its children (a shutdown, a rollback,
      // its own escalation, or a stop by hand that reached a child failing on its own): it is
      // reported so it is not lost, but it is no restart decision.
      s.phase = 'idle';
    } else if (wasUp) {
      // A sibling's own end while a group restart stops it is part of that restart, unless
      // that restart went on to wait out a backoff, when the supervisor decides again: the
      // count in the next report tells which.
      const after = next[i];
      const counted = after !== undefined && (after.restarts ?? 0) > (r.restarts ?? 0);
      if (s.phase === 'stop' && !counted) continue;
      if (shouldRestart(spec.restart, r.reason)) decide(sp, s, r);
      else s.phase = 'idle';
    } else if (r.type === 'child.failed' && newGeneration) {
      // A start that failed: within a restart, it is counted and retried. A restart that
      // waited out a backoff starts its group later, after commands may have come between
      // (so the phase says idle): its failed start still counts, unless it was the
      // supervisor's own start sequence (rolled back, or the supervisor failed with it).
      const nextOf = (report: Recorded) => next[indexOf.get(report)!];
      if (s.phase !== 'idle' || !foundByOther(r, next[i], nextOf)) decide(sp, s, r);
    }
  }
  for (const [sp, s] of sups) {
    if (s.mustEscalate) {
      out.push(`${sp || '(root)'} never escalated after ${describe(s.mustEscalate)}`);
    }
  }
}

/**
 * Whether an own end `r` was found by something else than the supervisor's decision on it,
 * as the supervisor's next report shows: a stop of its children (a shutdown, a rollback, its
 * own escalation, its own restart), or a command on that child (a restart by hand that
 * reached it while it failed). It is reported so it is not lost, but it is no restart decision.
 */
function foundByOther(
  r: Recorded,
  next: Recorded | undefined,
  nextOf: (report: Recorded) => Recorded | undefined,
): boolean {
  // Own ends found one after another by the same stop: look past them to what came next.
  while (
    next &&
    !next.manualStartFailure &&
    (next.type === 'child.failed' ||
      next.type === 'child.stopped' ||
      next.type === 'child.killed') &&
    ownExit(next.reason)
  ) {
    next = nextOf(next);
  }
  if (!next) return false;
  // A start by hand that failed right after: the command found the end and started it.
  if (next.manualStartFailure && next.path === r.path) return true;
  if (next.reason === 'supervisor stopping' || next.reason === 'start rolled back') return true;
  if (next.path === r.path && next.reason === 'manual') return true;
  // Its own (re)start: it had been stopped meanwhile.
  return next.type === 'child.started' && next.reason === undefined;
}

function checkStates(run: FaultRun, v: Violations): void {
  const nodes = flatten(run.tree);
  const lastAny = new Map<string, Recorded>();
  const last = new Map<string, Recorded>();
  for (const r of run.reports) {
    lastAny.set(r.path, r);
    if (r.type !== 'child.killed' && r.type !== 'supervisor.intensity-exceeded')
      last.set(r.path, r);
  }
  for (const [path, node] of nodes) {
    if (path === '') continue;
    const spec = run.nodes.get(path);
    if (!spec) continue;
    if (node.state === 'starting' || node.state === 'stopping') {
      v.stuck.push(
        `${path} is still ${node.state} (gen ${node.generation}) after ${run.simulatedMs} ms`,
      );
      continue;
    }
    const any = lastAny.get(path);
    if (any?.type === 'child.killed') {
      v.treeVsReports.push(
        `${path}: the last report is ${describe(any)}, with no child.failed or child.stopped after it`,
      );
    }
    const r = last.get(path);
    const expected = !r
      ? ['idle']
      : r.type === 'child.started' || r.type === 'child.restarted'
        ? ['running']
        : r.type === 'child.stopped'
          ? ['stopped', 'idle']
          : ['failed'];
    if (
      !expected.includes(node.state) ||
      (r?.type.endsWith('started') && node.generation !== r.generation)
    ) {
      v.treeVsReports.push(
        `${path} is ${node.state} gen ${node.generation}, but the last report is ${r ? describe(r) : 'none'}`,
      );
    }
    const parent = nodes.get(spec.parent);
    if (parent?.state !== 'running' || node.state === 'running') continue;
    if (!r) {
      v.restartPolicy.push(
        `${path} (${spec.restart}) never started under running ${spec.parent || '(root)'}`,
      );
      continue;
    }
    // Stopped by hand while it was failing on its own: its failure is the last report, and the
    // stop that answered after it keeps it down.
    const stoppedByHand = run.commands.some(
      (c) => c.path === path && c.command === 'stop' && c.status === 200 && (c.at ?? -1) >= r.at,
    );
    const leftDown =
      stoppedByHand ||
      (r.type === 'child.stopped' && (r.reason === 'manual' || r.reason === 'removed')) ||
      r.manualStartFailure === true ||
      (ownExit(r.reason) && !shouldRestart(spec.restart, r.reason) && r.type !== 'child.failed') ||
      (r.type === 'child.failed' && spec.restart === 'temporary') ||
      (spec.restart === 'temporary' &&
        typeof r.reason === 'string' &&
        r.reason.startsWith('restart of'));
    if (!leftDown && !(r.type === 'child.failed' && !shouldRestart(spec.restart, r.reason))) {
      v.restartPolicy.push(
        `${path} (${spec.restart}) is ${node.state} under running ${spec.parent || '(root)'}; last report ${describe(r)}`,
      );
    }
  }
}

function checkKills(run: FaultRun, out: string[]): void {
  const byPath = new Map<string, Recorded[]>();
  for (const r of run.reports) {
    const list = byPath.get(r.path) ?? [];
    list.push(r);
    byPath.set(r.path, list);
  }
  for (const h of run.hangs) {
    if (h.where === 'onStart') continue; // a start has no grace to overrun: see `stuck`
    const list = byPath.get(h.path) ?? [];
    const ended = list.some(
      (r) =>
        r.generation > h.generation ||
        (r.generation === h.generation &&
          (r.type === 'child.stopped' || r.type === 'child.failed')),
    );
    const hardReset = list.some(
      (r) => r.reason === 'hard-reset' && r.generation === h.generation + 1,
    );
    if (!ended || hardReset) continue;
    if (!list.some((r) => r.type === 'child.killed' && r.generation === h.generation)) {
      const after = list.filter((r) => r.generation === h.generation).map(describe);
      out.push(
        `${h.path} gen ${h.generation} hung in ${h.where} (fault #${h.fault}) past grace and ended without child.killed; its reports: ${after.join('; ') || 'none'}`,
      );
    }
  }
}

/**
 * Checks every invariant of a fault run.
 *
 * @example
 * ```ts
 * const v = checkFaultRun(await runFaultTree({ services: 100, faults: 500, seed: 7 }));
 * expect(v.escalation).toEqual([]);
 * ```
 */
export function checkFaultRun(run: FaultRun): Violations {
  const v: Violations = {
    crash: run.uncaught.map(
      (e) => `uncaught: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    ),
    stuck: [],
    treeVsReports: [],
    restartPolicy: [],
    escalation: [],
    killed: [],
    control5xx: run.commands
      .filter((c) => c.status >= 500)
      .map((c) => `POST /services/${c.path}/${c.command} answered ${c.status} ${c.code ?? ''}`),
  };
  if (run.status !== 'active') v.crash.push(`the root actor's status is ${run.status}`);
  checkStates(run, v);
  checkEscalation(run, v.escalation);
  checkKills(run, v.killed);
  return v;
}

/** A short account of a run, for the bench and a failing test's message. */
export function summarise(run: FaultRun): Record<string, number | string> {
  const count = (type: string) => run.reports.filter((r) => r.type === type).length;
  const byStatus = new Map<number, number>();
  for (const c of run.commands) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);
  return {
    seed: run.seed,
    nodes: run.nodes.size - 1,
    faults: run.faults.length,
    faultsThatRan: run.faults.filter((f) => f.kind === 'command' || f.generation !== undefined)
      .length,
    hangs: run.hangs.length,
    reports: run.reports.length,
    restarted: count('child.restarted'),
    killed: count('child.killed'),
    escalations: count('supervisor.intensity-exceeded'),
    commands: run.commands.length,
    commandStatuses: [...byStatus].map(([s, n]) => `${s}:${n}`).join(' '),
    simulatedMs: run.simulatedMs,
  };
}

/** The violations as one message naming the seed, or '' when there are none. */
export function explain(run: FaultRun, list: readonly string[], what: string): string {
  if (list.length === 0) return '';
  const shown = list.slice(0, 10).join('\n  ');
  return `${list.length} ${what} (seed ${run.seed}; replay with RELIABILITY_SEED=${run.seed}):\n  ${shown}`;
}

export type { NodeSpec };
