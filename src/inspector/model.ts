/**
 * What the inspector knows of a running system: the latest state of every actor (walked from
 * the inspected actor, not replayed from events, so a page that connects late sees the whole
 * tree), the latest supervisor reports, and, while a page is connected, XState's inspection
 * events. It turns them into one snapshot per new page and one delta per batch.
 *
 * Cost model: with no page connected it holds no XState inspection observer (XState then
 * builds no inspection events) and only keeps a bounded window of reports. With a page,
 * each inspection event is a map lookup and a set insertion; the work of building nodes
 * happens once per batch, for the actors that changed.
 */

import {
  type AnyActorRef,
  inspectSystem,
  machineOf,
  onEveryEmitted,
  type SystemInspectionEvent,
  snapshotChildrenOf,
} from '../internal/xstate.ts';
import type { ResolvedServiceOptions } from '../machines/service-options.ts';
import type { ResolvedSupervisorOptions } from '../machines/supervisor-options.ts';
import type { SupervisorReport, SupervisorReportType } from '../reports.ts';
import { lifecycleOf } from '../tree.ts';
import type { TreeNode, TreeSource } from '../tree-node.ts';
import { chartOf } from './chart.ts';
import {
  type DeltaMessage,
  INSPECTOR_PROTOCOL,
  type InspectorNode,
  type MachineChart,
  type NodeEvent,
  type SnapshotMessage,
  type TimelineEntry,
} from './protocol.ts';
import { jsonSafe, serialiseError } from './serialise.ts';

/** How many reports the timeline keeps. */
export const TIMELINE_LIMIT = 1_000;
/** How many recent events are kept per node. */
export const EVENTS_PER_NODE = 30;
/** At most this many events go into one delta (the rest stay in the per-node windows). */
const EVENTS_PER_DELTA = 500;

const REPORT_TYPES = new Set<string>([
  'child.started',
  'child.failed',
  'child.restarted',
  'child.stopped',
  'child.killed',
  'supervisor.intensity-exceeded',
]);

/** The fields of a node that can change; the others are fixed for the actor's life. */
const PLAIN_FIELDS = [
  'parent',
  'order',
  'controllable',
  'state',
  'status',
  'generation',
  'iterations',
  'failures',
  'restarts',
] as const satisfies ReadonlyArray<keyof InspectorNode>;
/** Changing fields holding objects, compared as JSON. */
const OBJECT_FIELDS = ['path', 'value', 'lastError', 'details'] as const satisfies ReadonlyArray<
  keyof InspectorNode
>;
type ObjectField = (typeof OBJECT_FIELDS)[number];

type Source = TreeSource & { opts: ResolvedServiceOptions | ResolvedSupervisorOptions };

interface Entry {
  readonly actor: AnyActorRef;
  readonly key: string;
  readonly kind: InspectorNode['kind'];
  readonly source: Source | undefined;
  /** The last node sent, to diff against. */
  node: InspectorNode;
  /** The object fields as JSON, to diff them. */
  json: Partial<Record<ObjectField, string | undefined>>;
}

interface Placement {
  readonly actor: AnyActorRef;
  readonly parent: string | null;
  readonly order: number;
  readonly path: string[] | null;
  readonly controllable: boolean;
}

function sourceOf(actor: AnyActorRef): { source: Source; kind: 'service' | 'supervisor' } | null {
  const context = (actor.getSnapshot() as { context?: { rt?: Source; core?: Source } } | undefined)
    ?.context;
  if (context?.core && typeof context.core.treeNode === 'function') {
    return { source: context.core, kind: 'supervisor' };
  }
  if (context?.rt && typeof context.rt.treeNode === 'function') {
    return { source: context.rt, kind: 'service' };
  }
  return null;
}

/** The supervisor's children actors, in declared order. */
function supervisedChildren(source: Source): AnyActorRef[] {
  const records = (source as unknown as { children?: Array<{ actor?: AnyActorRef }> }).children;
  const out: AnyActorRef[] = [];
  for (const r of records ?? []) if (r.actor) out.push(r.actor);
  return out;
}

/** `{ running: 'looping' }` as `running.looping`; parallel regions joined by `, `. */
export function stateText(value: unknown): string {
  return leafPaths(value, '').join(', ');
}

function leafPaths(value: unknown, prefix: string): string[] {
  if (typeof value === 'string') return [prefix + value];
  if (!value || typeof value !== 'object') return prefix ? [prefix.slice(0, -1)] : [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const sub = leafPaths(v, `${prefix}${k}.`);
    out.push(...(sub.length ? sub : [prefix + k]));
  }
  return out;
}

/** A root actor's id is its session id (`x:0`): show its machine's id instead. */
export function displayId(actor: AnyActorRef): string {
  return actor.id === actor.sessionId ? (machineOf(actor)?.id ?? actor.id) : actor.id;
}

function statusOf(snapshot: { status?: string } | undefined): InspectorNode['status'] {
  const s = snapshot?.status;
  return s === 'done' || s === 'error' || s === 'stopped' ? s : 'active';
}

function optionsOf(kind: InspectorNode['kind'], source: Source | undefined) {
  if (!source) return undefined;
  const out: Record<string, unknown> = {};
  const opts = source.opts as unknown as Record<string, unknown>;
  for (const key of Object.keys(opts)) {
    if (key === 'logger' || key === 'random' || key === 'local') continue;
    if (kind === 'supervisor' && key === 'children') {
      out.children = (opts.children as Array<{ id: string }>).map((m) => m.id);
      continue;
    }
    const v = jsonSafe(opts[key], 3);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Builds every node of the inspected system and what changed between two looks. */
export class InspectorModel {
  private readonly entries = new Map<string, Entry>();
  private readonly machinesSent = new Set<string>();
  private readonly machines: MachineChart[] = [];
  private readonly timeline: TimelineEntry[] = [];
  private readonly events = new Map<string, NodeEvent[]>();
  private pendingTimeline: TimelineEntry[] = [];
  private pendingEvents: NodeEvent[] = [];
  private pendingMachines: MachineChart[] = [];
  private readonly dirty = new Set<string>();
  private structureDirty = true;
  private seq = 0;
  private readonly pathKeys = new Map<string, string>();
  private readonly reportListeners = new Map<AnyActorRef, () => void>();
  private stopInspecting: (() => void) | undefined;
  /** Called when something changed that a page should hear about. */
  onChange: () => void = () => {};

  readonly root: AnyActorRef;
  /** The supervisor the control API commands (the topmost one when it says undefined). */
  private readonly controlled: () => AnyActorRef | undefined;

  constructor(root: AnyActorRef, controlled: () => AnyActorRef | undefined = () => undefined) {
    this.root = root;
    this.controlled = controlled;
    this.walk();
  }

  /** Starts or stops observing XState's inspection events (only while a page is connected). */
  setObserving(on: boolean): void {
    if (on && !this.stopInspecting) {
      this.stopInspecting = inspectSystem(this.root, (e) => this.onInspection(e));
      this.structureDirty = true;
    } else if (!on && this.stopInspecting) {
      this.stopInspecting();
      this.stopInspecting = undefined;
      this.events.clear();
      this.pendingEvents = [];
    }
  }

  /** Every actor in the tree now, parents first. */
  actors(): AnyActorRef[] {
    return [...this.entries.values()].map((e) => e.actor);
  }

  /** Forgets every listener. */
  dispose(): void {
    this.setObserving(false);
    for (const off of this.reportListeners.values()) off();
    this.reportListeners.clear();
  }

  /** Marks every node for a fresh look at the next delta (counters change without events). */
  touchAll(): void {
    this.structureDirty = true;
  }

  private onInspection(e: SystemInspectionEvent): void {
    const key = e.actorRef.sessionId;
    if (e.type === '@xstate.actor') {
      this.structureDirty = true;
    } else if (e.type === '@xstate.snapshot') {
      if (!this.entries.has(key)) this.structureDirty = true;
      this.dirty.add(key);
      if (statusOf(e.snapshot as { status?: string }) !== 'active') this.structureDirty = true;
    } else if (e.type === '@xstate.event' && e.event) {
      if (!this.entries.has(key)) return;
      const ev: NodeEvent = { seq: this.seq++, key, at: Date.now(), type: e.event.type };
      if (e.sourceRef) ev.source = e.sourceRef.sessionId;
      let list = this.events.get(key);
      if (!list) {
        list = [];
        this.events.set(key, list);
      }
      list.push(ev);
      if (list.length > EVENTS_PER_NODE) list.shift();
      this.pendingEvents.push(ev);
      if (this.pendingEvents.length > EVENTS_PER_DELTA) this.pendingEvents.shift();
      this.dirty.add(key);
    } else {
      return;
    }
    this.onChange();
  }

  private onReport(base: string[], report: SupervisorReport): void {
    if (!REPORT_TYPES.has(report.type)) return;
    const path = [...base, ...report.path];
    const entry: TimelineEntry = {
      seq: this.seq++,
      at: Date.now(),
      type: report.type as SupervisorReportType,
      path,
      key: this.pathKeys.get(path.join('/')) ?? null,
      generation: report.generation,
    };
    const reason = report.reason;
    if (reason instanceof Error) {
      entry.error = serialiseError(reason);
      entry.reason = reason.message;
    } else if (reason !== undefined) {
      entry.reason = String(reason);
    }
    if (report.restarts !== undefined) entry.restarts = report.restarts;
    this.timeline.push(entry);
    if (this.timeline.length > TIMELINE_LIMIT) this.timeline.shift();
    this.pendingTimeline.push(entry);
    if (this.pendingTimeline.length > TIMELINE_LIMIT) this.pendingTimeline.shift();
    if (entry.key === null || reason === 'added' || reason === 'removed') {
      this.structureDirty = true;
    } else {
      this.dirty.add(entry.key);
    }
    this.onChange();
  }

  /** Every actor in place, parents first. */
  private place(): Placement[] {
    const out: Placement[] = [];
    let controlled = this.controlled();
    const visit = (
      actor: AnyActorRef,
      parent: string | null,
      order: number,
      path: string[] | null,
      controllable: boolean,
    ): void => {
      const ours = sourceOf(actor);
      let ownPath = path;
      let underControl = controllable;
      if (ours && ownPath === null) {
        ownPath = [];
        controlled ??= actor;
        underControl = actor === controlled;
        this.listenToReports(actor, ownPath);
      }
      out.push({
        actor,
        parent,
        order,
        path: ownPath,
        controllable: underControl && !!ownPath?.length,
      });
      const children =
        ours?.kind === 'supervisor'
          ? supervisedChildren(ours.source)
          : ours
            ? []
            : snapshotChildrenOf(actor);
      let i = 0;
      for (const child of children) {
        const childPath = ours && ownPath ? [...ownPath, child.id] : null;
        visit(child, actor.sessionId, i++, childPath, underControl);
      }
    };
    visit(this.root, null, 0, null, false);
    return out;
  }

  private listenToReports(actor: AnyActorRef, base: string[]): void {
    if (this.reportListeners.has(actor)) return;
    const frozen = [...base];
    this.reportListeners.set(
      actor,
      onEveryEmitted(actor, (e) => this.onReport(frozen, e as unknown as SupervisorReport)),
    );
  }

  private build(
    p: Placement,
    entry: Entry | undefined,
    ours: ReturnType<typeof sourceOf>,
  ): InspectorNode {
    const actor = p.actor;
    const snapshot = actor.getSnapshot() as { value?: unknown; status?: string } | undefined;
    const node: InspectorNode = entry
      ? { ...entry.node }
      : {
          key: actor.sessionId,
          parent: p.parent,
          id: displayId(actor),
          kind: ours?.kind ?? 'actor',
          order: p.order,
          path: p.path,
          controllable: p.controllable,
          state: '',
          status: 'active',
        };
    node.parent = p.parent;
    node.order = p.order;
    node.path = p.path;
    node.controllable = p.controllable;
    node.status = statusOf(snapshot);
    if (snapshot && 'value' in snapshot) node.value = jsonSafe(snapshot.value, 8);
    if (ours) {
      const tree: TreeNode = ours.source.treeNode(lifecycleOf(snapshot?.value), true);
      node.id = tree.id;
      node.state = tree.state;
      node.generation = tree.generation;
      node.failures = tree.failures;
      if (tree.iterations !== undefined) node.iterations = tree.iterations;
      if (node.kind === 'supervisor') node.restarts = tree.restarts;
      if (tree.lastError) node.lastError = tree.lastError;
      if (tree.details) node.details = jsonSafe(tree.details, 4) as Record<string, unknown>;
    } else {
      node.state =
        snapshot && 'value' in snapshot ? stateText(snapshot.value) : (snapshot?.status ?? '');
    }
    if (!entry) this.addStatic(node, actor, ours?.source);
    return node;
  }

  private addStatic(node: InspectorNode, actor: AnyActorRef, source: Source | undefined): void {
    if (source) {
      const opts = source.opts as Partial<ResolvedServiceOptions & ResolvedSupervisorOptions>;
      if (node.kind === 'service') {
        node.maxFailures = Number.isFinite(opts.maxFailures) ? (opts.maxFailures ?? null) : null;
      } else {
        if (opts.strategy !== undefined) node.strategy = opts.strategy;
        if (opts.maxRestarts !== undefined) node.maxRestarts = opts.maxRestarts;
        if (opts.restartWindow !== undefined) node.restartWindow = opts.restartWindow;
      }
      if (opts.restart !== undefined) node.restart = opts.restart;
      const options = optionsOf(node.kind, source);
      if (options) node.options = options;
    }
    const machine = machineOf(actor);
    if (machine) {
      const chart = chartOf(machine);
      node.machine = chart.key;
      if (!this.machinesSent.has(chart.key)) {
        this.machinesSent.add(chart.key);
        this.machines.push(chart);
        this.pendingMachines.push(chart);
      }
    }
  }

  private walk(): { upserts: DeltaMessage['upserts']; removed: string[] } {
    const upserts: DeltaMessage['upserts'] = [];
    const seen = new Set<string>();
    this.pathKeys.clear();
    for (const p of this.place()) {
      const key = p.actor.sessionId;
      seen.add(key);
      if (p.path) this.pathKeys.set(p.path.join('/'), key);
      this.diff(p, upserts);
    }
    const removed: string[] = [];
    for (const key of this.entries.keys()) {
      if (!seen.has(key)) {
        removed.push(key);
        this.entries.delete(key);
        this.events.delete(key);
      }
    }
    for (const [actor, off] of this.reportListeners) {
      if (!seen.has(actor.sessionId)) {
        off();
        this.reportListeners.delete(actor);
      }
    }
    this.dirty.clear();
    this.structureDirty = false;
    return { upserts, removed };
  }

  private diff(p: Placement, upserts: DeltaMessage['upserts']): void {
    const key = p.actor.sessionId;
    const entry = this.entries.get(key);
    const ours = entry
      ? entry.source && { source: entry.source, kind: entry.kind as 'service' | 'supervisor' }
      : sourceOf(p.actor);
    const node = this.build(p, entry, ours ?? null);
    const json: Entry['json'] = {};
    for (const f of OBJECT_FIELDS)
      json[f] = node[f] === undefined ? undefined : JSON.stringify(node[f]);
    if (!entry) {
      this.entries.set(key, {
        actor: p.actor,
        key,
        kind: node.kind,
        source: ours?.source,
        node,
        json,
      });
      upserts.push(node);
      return;
    }
    let change: Record<string, unknown> | undefined;
    for (const f of PLAIN_FIELDS) {
      if (node[f] !== entry.node[f]) {
        change ??= { key };
        change[f] = node[f] ?? null;
      }
    }
    for (const f of OBJECT_FIELDS) {
      if (json[f] !== entry.json[f]) {
        change ??= { key };
        change[f] = node[f] ?? null;
      }
    }
    entry.node = node;
    entry.json = json;
    if (change) upserts.push(change as Partial<InspectorNode> & { key: string });
  }

  /**
   * Everything, for a page that just connected. Take the pending {@link delta} first (and
   * send it to the pages already connected): the snapshot is the state as of that delta.
   */
  snapshot(title: string, control: SnapshotMessage['control']): SnapshotMessage {
    const events: NodeEvent[] = [];
    for (const list of this.events.values()) events.push(...list);
    events.sort((a, b) => a.seq - b.seq);
    return {
      type: 'snapshot',
      protocol: INSPECTOR_PROTOCOL,
      at: Date.now(),
      title,
      root: this.root.sessionId,
      nodes: [...this.entries.values()].map((e) => e.node),
      machines: [...this.machines],
      timeline: [...this.timeline],
      events,
      control,
    };
  }

  /** What changed since the last delta, or undefined when nothing did. */
  delta(): DeltaMessage | undefined {
    let upserts: DeltaMessage['upserts'] = [];
    let removed: string[] = [];
    if (this.structureDirty) {
      ({ upserts, removed } = this.walk());
    } else if (this.dirty.size) {
      const placements = new Map<string, Placement>();
      for (const key of this.dirty) {
        const entry = this.entries.get(key);
        if (!entry) continue;
        placements.set(key, {
          actor: entry.actor,
          parent: entry.node.parent,
          order: entry.node.order,
          path: entry.node.path,
          controllable: entry.node.controllable,
        });
      }
      this.dirty.clear();
      for (const p of placements.values()) this.diff(p, upserts);
    }
    const message: DeltaMessage = {
      type: 'delta',
      at: Date.now(),
      upserts,
      removed,
      machines: this.pendingMachines,
      timeline: this.pendingTimeline,
      events: this.pendingEvents,
    };
    this.pendingMachines = [];
    this.pendingTimeline = [];
    this.pendingEvents = [];
    const empty =
      !upserts.length &&
      !removed.length &&
      !message.machines.length &&
      !message.timeline.length &&
      !message.events.length;
    return empty ? undefined : message;
  }
}
