/**
 * Prometheus metrics of a supervision tree, read from `getTree()` at scrape time (nothing is
 * counted on the hot path) plus counters of the supervisors' reports.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { getTree } from '../actors/tree.ts';
import type { SupervisorReport } from '../core/reports.ts';
import type { TreeNode } from '../core/tree-node.ts';
import type { AnyActorRef } from '../internal/xstate.ts';
import { registerProcessGauges } from './process-metrics.ts';

const STATES = ['idle', 'starting', 'running', 'stopping', 'stopped', 'failed'] as const;

/** The `path` label of a node: its ids below the root joined by `/`; the root itself is `/`. */
function eachNode(tree: TreeNode, visit: (node: TreeNode, path: string) => void): void {
  const walk = (node: TreeNode, path: readonly string[]) => {
    visit(node, path.length === 0 ? '/' : path.join('/'));
    for (const child of node.children ?? []) walk(child, [...path, child.id]);
  };
  walk(tree, []);
}

/** A registry of the tree's metrics, and a way to stop listening to its reports. */
export interface TreeMetrics {
  readonly registry: Registry;
  /** The Prometheus text of the tree as it is now (one walk of the tree). */
  scrape(): Promise<string>;
  dispose(): void;
}

/**
 * Builds a registry of its own (never prom-client's global one) for the tree under `actor`.
 * Metric names start with `xstate_supervisor_`; per-node series carry a `path` label.
 */
export function createTreeMetrics(actor: AnyActorRef): TreeMetrics {
  const registry = new Registry();
  // One walk per scrape, taken by scrape() and shared by every gauge's collect().
  let current: TreeNode | undefined;
  const tree = () => {
    current ??= getTree(actor);
    return current;
  };
  const perNode = (name: string, help: string, read: (n: TreeNode) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['path', 'kind'],
      registers: [registry],
      collect() {
        this.reset();
        eachNode(tree(), (node, path) => {
          const value = read(node);
          if (value !== undefined) this.set({ path, kind: node.kind }, value);
        });
      },
    });
  new Gauge({
    name: 'xstate_supervisor_state',
    help: 'Lifecycle state of each node: 1 for its current state, 0 for the others.',
    labelNames: ['path', 'kind', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      eachNode(tree(), (node, path) => {
        for (const state of STATES)
          this.set({ path, kind: node.kind, state }, node.state === state ? 1 : 0);
      });
    },
  });
  perNode(
    'xstate_supervisor_iterations',
    'Iterations of the current generation (services).',
    (n) => n.iterations,
  );
  perNode('xstate_supervisor_failures', 'Failures in the current generation.', (n) => n.failures);
  perNode(
    'xstate_supervisor_generation',
    'Generation: 0 for the first run, +1 on every restart.',
    (n) => n.generation,
  );
  perNode(
    'xstate_supervisor_restarts',
    'Restarts counted in the restart window (supervisors).',
    (n) => (n.kind === 'supervisor' ? n.restarts : undefined),
  );
  // Queue workers (in memory or durable): their getTree() details, when they are numbers.
  const detail = (key: string) => (n: TreeNode) => {
    const value = n.details?.[key];
    return typeof value === 'number' ? value : undefined;
  };
  perNode(
    'xstate_supervisor_queue_queued',
    "Jobs waiting in a queue worker's queue (a durable queue: in the server, every replica).",
    detail('queued'),
  );
  perNode(
    'xstate_supervisor_queue_in_flight',
    'Jobs whose handler runs in this queue worker now.',
    detail('inFlight'),
  );
  perNode(
    'xstate_supervisor_queue_retries',
    'Durable queue: failed jobs waiting for a retry (Redis: retries sent by this process).',
    detail('retries'),
  );
  perNode(
    'xstate_supervisor_queue_dead_letters',
    'Durable queue: jobs whose attempts are spent, kept as dead letters.',
    detail('deadLetters'),
  );
  // Task pools shared by queue workers: each worker's details carry its pool's figures; one
  // series per pool name (every worker of a pool shows the same figures).
  const pools = () => {
    const byName = new Map<string, { inUse: number; limit: number; waiting: object }>();
    eachNode(tree(), (node) => {
      const pool = node.details?.pool as { name?: unknown } | undefined;
      if (typeof pool === 'object' && pool !== null && typeof pool.name === 'string')
        byName.set(pool.name, pool as { inUse: number; limit: number; waiting: object });
    });
    return byName;
  };
  const perPool = (name: string, help: string, key: 'inUse' | 'limit') =>
    new Gauge({
      name,
      help,
      labelNames: ['pool'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [pool, figures] of pools()) this.set({ pool }, figures[key]);
      },
    });
  perPool(
    'xstate_supervisor_pool_in_use',
    'Task pool slots in use (unthrottled tasks may exceed the limit).',
    'inUse',
  );
  perPool('xstate_supervisor_pool_limit', "Task pool's concurrency limit.", 'limit');
  new Gauge({
    name: 'xstate_supervisor_pool_waiting',
    help: 'Tasks held back by a task pool, by priority (queued in workers waiting for a slot).',
    labelNames: ['pool', 'priority'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [pool, figures] of pools())
        for (const [priority, n] of Object.entries(figures.waiting))
          this.set({ pool, priority }, n as number);
    },
  });
  const reports = new Counter({
    name: 'xstate_supervisor_reports_total',
    help: 'Supervisor decisions, by report type and path of the child.',
    labelNames: ['type', 'path'],
    registers: [registry],
  });
  const trips = new Counter({
    name: 'xstate_supervisor_intensity_exceeded_total',
    help: 'Times a supervisor exceeded its restart intensity, by path of the supervisor.',
    labelNames: ['path'],
    registers: [registry],
  });
  // The process's figures, as the inspector's system panel shows them (lag, heap, RSS, CPU).
  const stopProcessGauges = registerProcessGauges(registry);
  const sub = actor.on('*', (event) => {
    const r = event as unknown as SupervisorReport;
    if (typeof r.type !== 'string' || !Array.isArray(r.path)) return;
    const path = r.path.length === 0 ? '/' : r.path.join('/');
    reports.inc({ type: r.type, path });
    if (r.type === 'supervisor.intensity-exceeded') trips.inc({ path });
  });
  return {
    registry,
    scrape: async () => {
      current = getTree(actor);
      try {
        return await registry.metrics();
      } finally {
        current = undefined;
      }
    },
    dispose: () => {
      sub.unsubscribe();
      stopProcessGauges();
    },
  };
}
