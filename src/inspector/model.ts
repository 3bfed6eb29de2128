/**
 * What the inspector knows of a running system: the latest state of every actor (walked from
 * the inspected actor, not replayed from events, so a page that connects late sees the whole
 * tree), the latest supervisor reports, and, while a page is connected, the events each actor
 * receives. It turns them into one snapshot per new page and one delta per batch.
 *
 * Cost model (decision 0023):
 * - No page: no XState inspection observer (XState then builds no inspection events), no
 *   subscription; a report is stored raw in a ring of {@link TIMELINE_LIMIT}.
 * - A page: our children are followed by a snapshot subscription each (their supervisor
 *   already has one, so XState's error handling is unchanged), other actors by XState's
 *   `system.inspect`, which also gives the recent events. In a storm (more than
 *   {@link STORM_EVENTS} inspection events in one batch) inspection pauses until things
 *   calm down: the tree stays exact through the subscriptions, reports and walks; only the
 *   recent events have a gap, and the page is told.
 * - Nodes are built once per batch, only those marked changed; every 250 ms all of them
 *   (iterations change without any event).
 */
import type { SupervisedChild } from '../actors/child-contract.ts';
import { lifecycleOf } from '../actors/own-runtime.ts';
import { runtimeOf } from '../actors/runtime-of.ts';
import { SystemHistory } from '../control/system-stats.ts';
import { specOf } from '../core/child-spec.ts';
import type { SupervisorReport, SupervisorReportType } from '../core/reports.ts';
import type { ResolvedServiceOptions } from '../core/service-options.ts';
import type { ResolvedSupervisorOptions } from '../core/supervisor-config.ts';
import type { TreeNode, TreeSource } from '../core/tree-node.ts';
import {
  type AnyActorRef,
  inspectSystem,
  machineOf,
  onEveryEmitted,
  type SystemInspectionEvent,
  snapshotChildrenOf,
} from '../internal/xstate.ts';
import { acceptedEvents, boundedContext } from './actor-view.ts';
import { chartOf } from './chart.ts';
import { IterationTiming } from './iteration-timing.ts';
import {
  type DeltaMessage,
  INSPECTOR_PROTOCOL,
  type InspectorNode,
  type MachineChart,
  type NodeEvent,
  type SnapshotMessage,
  type TimelineEntry,
} from './protocol.ts';
import { jsonSafe, serializeError } from './serialize.ts';

/** How many reports the timeline keeps. */
export const TIMELINE_LIMIT = 1_000;
/** At most this many reports go into one delta: the newest ones (a storm is not readable). */
export const TIMELINE_PER_DELTA = 100;
/** How many recent events are kept per node. */
export const EVENTS_PER_NODE = 30;
/** At most this many events go into one delta (the rest stay in the per-node windows). */
const EVENTS_PER_DELTA = 500;
/** A service's rate (iterations per second) is measured over windows of at least this (ms). */
export const RATE_WINDOW = 1_000;
/** More inspection events than this in one batch is a storm: inspection pauses. */
export const STORM_EVENTS = 1_000;
/**
 * More inspection events than this within one second is a storm too: a steady stream of
 * events (a machine taking thousands a second) pauses inspection as a burst does, so a page
 * never costs the app more than this many inspected events a second.
 */
export const STORM_RATE = 2_000;
/** Inspection resumes once this long has passed without a storm. */
const STORM_COOL_DOWN = 1_000;

const REPORT_TYPES = new Set<string>([
  'child.started',
  'child.failed',
  'child.restarted',
  'child.stopped',
  'child.killed',
  'supervisor.intensity-exceeded',
]);

/** Reports whose entry carries the whole error; the others only its message. */
const WITH_STACK = new Set<string>(['child.failed', 'supervisor.intensity-exceeded']);

/** The fields of a node that can change and hold plain values. */
const PLAIN_FIELDS = [
  'parent',
  'order',
  'controllable',
  'state',
  'status',
  'generation',
  'iterations',
  'rate',
  'meanMs',
  'p99Ms',
  'failures',
  'restarts',
  'restartCount',
] as const satisfies ReadonlyArray<keyof InspectorNode>;

type Source = TreeSource & { opts: ResolvedServiceOptions | ResolvedSupervisorOptions };
type Ours = { source: Source; kind: 'service' | 'supervisor' } | null;

interface Entry {
  readonly actor: AnyActorRef;
  readonly key: string;
  readonly ours: Ours;
  /** The key of the top supervisor of its branch, or null. */
  readonly top: string | null;
  /** The last node sent, to diff against. */
  node: InspectorNode;
  /** Text forms of the object fields, to diff them without walking them. */
  pathText: string;
  valueText: string;
  errorText: string;
  detailsText: string;
  /** The user's machines: what the page's event box offers, and their context, as text. */
  acceptsText: string;
  contextText: string;
  /** The snapshot subscription while a page is connected (our children only). */
  unsubscribe: (() => void) | undefined;
}

interface Placement {
  readonly actor: AnyActorRef;
  readonly parent: string | null;
  readonly order: number;
  readonly path: string[] | null;
  controllable: boolean;
  /** The key of the top supervisor of its branch (ours), or null for the user's actors. */
  readonly top: string | null;
}

/** A report as it arrived; turned into a {@link TimelineEntry} only when a page needs it. */
interface RawReport {
  readonly seq: number;
  readonly at: number;
  /** The key of the top supervisor that emitted it (paths are relative to it). */
  readonly top: string;
  readonly report: SupervisorReport;
}

/** Our runtime behind `actor` (a service's or supervisor's), or null for the user's actors. */
const sourceOf = (actor: AnyActorRef): Ours => runtimeOf(actor) as Ours;

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

/**
 * The options as the machine describes them for inspection: the user's options without
 * functions, and without config values (secrets: only the names of required keys are kept).
 */
function optionsOf(actor: AnyActorRef, source: Source, kind: InspectorNode['kind']) {
  const described = specOf(machineOf(actor))?.describe ?? {};
  const out = jsonSafe(described, 3) as Record<string, unknown>;
  if (kind === 'supervisor') {
    const children = (source.opts as { children?: ReadonlyArray<{ id: string }> }).children;
    out.children = (children ?? []).map((m) => m.id);
  }
  return out;
}

/** The user's machine: the events it takes now (the page's event box) and its context. */
function userMachineView(node: InspectorNode, snapshot: unknown): void {
  node.accepts = acceptedEvents(snapshot);
  const context = boundedContext(snapshot);
  if (context === undefined) delete node.context;
  else node.context = context;
}

/** An event's payload cut at this many characters of JSON. */
export const PAYLOAD_CHARS = 2_000;

/** An event's fields besides `type`, JSON-safe and bounded; undefined when it has none. */
function eventPayload(event: { type: string }): unknown {
  let rest: Record<string, unknown> | undefined;
  for (const k in event) {
    if (k === 'type') continue;
    rest ??= {};
    rest[k] = (event as unknown as Record<string, unknown>)[k];
  }
  if (!rest) return undefined;
  const safe = jsonSafe(rest, 4);
  const text = JSON.stringify(safe);
  return text === undefined || text.length <= PAYLOAD_CHARS
    ? safe
    : `${text.slice(0, PAYLOAD_CHARS)}…`;
}

/** A key for the path of a node under its top supervisor. */
function pathKey(top: string, path: readonly string[]): string {
  return `${top}\u0000${path.join('/')}`;
}

function timelineEntry(raw: RawReport, key: string | null): TimelineEntry {
  const { report } = raw;
  const entry: TimelineEntry = {
    seq: raw.seq,
    at: raw.at,
    type: report.type as SupervisorReportType,
    path: [...report.path],
    key,
    generation: report.generation,
  };
  const reason = report.reason;
  if (reason instanceof Error) {
    // The stack once, on the failure; the restart that follows names the same error.
    if (WITH_STACK.has(report.type)) entry.error = serializeError(reason);
    entry.reason = reason.message;
  } else if (reason !== undefined) {
    entry.reason = String(reason);
  }
  if (report.restarts !== undefined) entry.restarts = report.restarts;
  return entry;
}

/** Builds every node of the inspected system and what changed between two looks. */
export class InspectorModel {
  readonly root: AnyActorRef;
  private readonly entries = new Map<string, Entry>();
  private readonly machinesSent = new Set<string>();
  private readonly machines: MachineChart[] = [];
  private pendingMachines: MachineChart[] = [];
  /** The last {@link TIMELINE_LIMIT} reports, a ring. */
  private readonly reports: Array<RawReport | undefined> = new Array(TIMELINE_LIMIT);
  private reportCount = 0;
  /** Reports since the last delta: the newest of them go into it, the rest are counted. */
  private reportsSinceDelta = 0;
  private readonly events = new Map<string, NodeEvent[]>();
  /** Per service: the iterations and time the current rate window started at. */
  private readonly rateWindows = new Map<string, { at: number; iterations: number }>();
  /** Iteration durations, measured while a page is open. */
  private readonly timing = new IterationTiming();
  /** The process's figures, sampled once a second while a page is open. */
  private readonly system = new SystemHistory();
  /** Restarts of each path (`child.restarted` reports), by {@link pathKey}. */
  private readonly restartCounts = new Map<string, number>();
  private pendingEvents: NodeEvent[] = [];
  private readonly dirty = new Set<string>();
  private structureDirty = true;
  private seq = 0;
  private readonly pathKeys = new Map<string, string>();
  private readonly reportListeners = new Map<AnyActorRef, () => void>();
  private observing = false;
  private stopInspecting: (() => void) | undefined;
  /** Inspection events since the last delta, to tell a storm. */
  private inspectedInBatch = 0;
  /** Inspection events in the current second, and when that second began. */
  private inspectedInSecond = 0;
  private secondStart = 0;
  /** While set, inspection is paused for a storm until this time (`Date.now()`). */
  private pausedUntil: number | undefined;
  /** What the last message said of `eventsPaused`. */
  private pausedSent = false;
  /** The supervisor the control API commands (the topmost one when it says undefined). */
  private readonly controlled: () => AnyActorRef | undefined;
  /** Called when something changed that a page should hear about. */
  onChange: () => void = () => {};

  constructor(root: AnyActorRef, controlled: () => AnyActorRef | undefined = () => undefined) {
    this.root = root;
    this.controlled = controlled;
    this.walk([]);
  }

  /** Starts or stops following changes (only while a page is connected). */
  setObserving(on: boolean): void {
    if (on === this.observing) return;
    this.observing = on;
    if (on) {
      this.timing.sample();
      this.system.start();
      this.inspect(true);
      for (const entry of this.entries.values()) this.follow(entry, true);
      this.structureDirty = true;
    } else {
      this.timing.uninstall();
      this.system.stop();
      this.inspect(false);
      this.pausedUntil = undefined;
      for (const entry of this.entries.values()) this.follow(entry, false);
      this.events.clear();
      this.rateWindows.clear();
      this.pendingEvents = [];
    }
  }

  /** True while inspection is paused for a storm (recent events have a gap). */
  get eventsPaused(): boolean {
    return this.pausedUntil !== undefined;
  }

  private inspect(on: boolean): void {
    if (on && !this.stopInspecting) {
      this.inspectedInBatch = 0;
      this.stopInspecting = inspectSystem(this.root, (e) => this.onInspection(e));
    } else if (!on && this.stopInspecting) {
      this.stopInspecting();
      this.stopInspecting = undefined;
    }
  }

  /** Our supervised children: a snapshot subscription marks them changed. */
  private follow(entry: Entry, on: boolean): void {
    if (!on) {
      entry.unsubscribe?.();
      entry.unsubscribe = undefined;
      return;
    }
    if (entry.unsubscribe || !entry.node.path?.length || !entry.ours) return;
    const key = entry.key;
    const subscription = entry.actor.subscribe({
      next: () => this.mark(key),
      // Their supervisor's record has an error handler too; XState's reporting is unchanged.
      error: () => this.markStructure(),
      complete: () => this.markStructure(),
    });
    entry.unsubscribe = () => subscription.unsubscribe();
  }

  private mark(key: string): void {
    this.dirty.add(key);
    this.onChange();
  }

  private markStructure(): void {
    this.structureDirty = true;
    this.onChange();
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
    if (++this.inspectedInSecond > STORM_RATE) {
      const now = Date.now();
      if (now - this.secondStart >= 1_000) {
        this.secondStart = now;
        this.inspectedInSecond = 1;
      } else this.inspectedInBatch = STORM_EVENTS;
    }
    if (++this.inspectedInBatch > STORM_EVENTS) {
      this.inspect(false);
      this.pausedUntil = Date.now() + STORM_COOL_DOWN;
      this.markStructure();
      return;
    }
    const key = e.actorRef.sessionId;
    if (e.type === '@xstate.actor') {
      this.markStructure();
    } else if (e.type === '@xstate.snapshot') {
      const entry = this.entries.get(key);
      if (!entry || statusOf(e.snapshot as { status?: string }) !== 'active') {
        this.markStructure();
      } else if (!entry.unsubscribe) {
        this.mark(key);
      }
    } else if (e.type === '@xstate.event' && e.event) {
      if (!this.entries.has(key)) return;
      const ev: NodeEvent = { seq: this.seq++, key, at: Date.now(), type: e.event.type };
      if (e.sourceRef) ev.source = e.sourceRef.sessionId;
      const payload = eventPayload(e.event);
      if (payload !== undefined) ev.payload = payload;
      let list = this.events.get(key);
      if (!list) {
        list = [];
        this.events.set(key, list);
      }
      list.push(ev);
      if (list.length > EVENTS_PER_NODE) list.shift();
      if (this.pendingEvents.length < EVENTS_PER_DELTA) this.pendingEvents.push(ev);
      this.onChange();
    }
  }

  private onReport(top: string, report: SupervisorReport): void {
    if (!REPORT_TYPES.has(report.type)) return;
    const raw: RawReport = { seq: this.seq++, at: Date.now(), top, report };
    if (report.type === 'child.restarted') {
      const k = pathKey(top, report.path);
      this.restartCounts.set(k, (this.restartCounts.get(k) ?? 0) + 1);
      this.system.restarted();
    }
    this.reports[this.reportCount++ % TIMELINE_LIMIT] = raw;
    this.reportsSinceDelta++;
    if (!this.observing) return;
    if (report.reason === 'added' || report.reason === 'removed') {
      this.markStructure();
      return;
    }
    const key = this.pathKeys.get(pathKey(top, report.path));
    if (key === undefined) this.markStructure();
    else this.mark(key);
  }

  /** The reports in the ring with seq above `after`, oldest first, at most `limit` (newest). */
  private newestReports(n: number): TimelineEntry[] {
    const count = Math.min(n, this.reportCount, TIMELINE_LIMIT);
    const out: TimelineEntry[] = [];
    for (let i = count; i >= 1; i--) {
      const raw = this.reports[(this.reportCount - i) % TIMELINE_LIMIT]!;
      out.push(timelineEntry(raw, this.pathKeys.get(pathKey(raw.top, raw.report.path)) ?? null));
    }
    return out;
  }

  /**
   * Every actor in place, parents first. Buttons go to the children of the supervisor the
   * control API commands: the one given, or the only top supervisor (none when there are
   * several and none was given).
   */
  private place(): Placement[] {
    const out: Placement[] = [];
    const tops: AnyActorRef[] = [];
    const visit = (
      actor: AnyActorRef,
      parent: string | null,
      order: number,
      path: string[] | null,
      top: string | null,
    ): void => {
      const ours = sourceOf(actor);
      let ownPath = path;
      let ownTop = top;
      if (ours && ownPath === null) {
        ownPath = [];
        ownTop = actor.sessionId;
        tops.push(actor);
        this.listenToReports(actor);
      }
      out.push({ actor, parent, order, path: ownPath, controllable: false, top: ownTop });
      const children =
        ours?.kind === 'supervisor'
          ? supervisedChildren(ours.source)
          : ours
            ? []
            : snapshotChildrenOf(actor);
      let i = 0;
      for (const child of children) {
        const childPath = ours && ownPath ? [...ownPath, child.id] : null;
        visit(child, actor.sessionId, i++, childPath, ownTop);
      }
    };
    visit(this.root, null, 0, null, null);
    this.topCount = tops.length;
    const controlled = this.controlled() ?? (tops.length === 1 ? tops[0] : undefined);
    for (const p of out) {
      p.controllable = !!controlled && p.top === controlled.sessionId && !!p.path?.length;
    }
    return out;
  }

  /**
   * Keeps a report listener on every top supervisor while no page is connected (an app may
   * invoke its supervisor later): walks the user's actors only, not our subtrees.
   */
  refreshTops(): void {
    const seen = new Set<AnyActorRef>();
    const visit = (actor: AnyActorRef): void => {
      if (sourceOf(actor)) {
        seen.add(actor);
        this.listenToReports(actor);
        return;
      }
      for (const child of snapshotChildrenOf(actor)) visit(child);
    };
    visit(this.root);
    for (const [actor, off] of this.reportListeners) {
      if (!seen.has(actor)) {
        off();
        this.reportListeners.delete(actor);
      }
    }
  }

  /** How many top supervisors (ours, not under another of ours) the last walk found. */
  topCount = 0;

  private listenToReports(actor: AnyActorRef): void {
    if (this.reportListeners.has(actor)) return;
    const top = actor.sessionId;
    this.reportListeners.set(
      actor,
      onEveryEmitted(actor, (e) => this.onReport(top, e as unknown as SupervisorReport)),
    );
  }

  private build(p: Placement, entry: Entry | undefined, ours: Ours): InspectorNode {
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
    if (snapshot && 'value' in snapshot) node.value = snapshot.value;
    if (ours) {
      const tree: TreeNode = ours.source.treeNode(lifecycleOf(snapshot?.value), true);
      node.id = tree.id;
      node.state = tree.state;
      node.generation = tree.generation;
      node.failures = tree.failures;
      if (tree.iterations !== undefined) {
        node.iterations = tree.iterations;
        this.measureRate(node, tree.iterations, ours.source);
      }
      if (node.kind === 'supervisor') node.restarts = tree.restarts;
      if (p.top && p.path?.length) {
        node.restartCount = this.restartCounts.get(pathKey(p.top, p.path)) ?? 0;
      }
      if (tree.lastError) node.lastError = tree.lastError;
      if (tree.details) node.details = jsonSafe(tree.details, 4) as Record<string, unknown>;
    } else {
      node.state =
        snapshot && 'value' in snapshot ? stateText(snapshot.value) : (snapshot?.status ?? '');
      if (node.kind === 'actor' && machineOf(actor)) userMachineView(node, snapshot);
      if (p.path?.length && p.parent !== null) this.addSupervision(node, p.parent, actor);
    }
    if (!entry) this.addStatic(node, actor, ours?.source);
    return node;
  }

  /**
   * Sets `node.rate` once a window of {@link RATE_WINDOW} has passed: the iterations in it per
   * second (a restart's reset to 0 counts the new generation's from 0), and the mean and p99
   * iteration time of its last iterations.
   */
  private measureRate(node: InspectorNode, iterations: number, source: object): void {
    const now = Date.now();
    const window = this.rateWindows.get(node.key);
    if (!window) {
      this.rateWindows.set(node.key, { at: now, iterations });
      return;
    }
    if (now - window.at < RATE_WINDOW) return;
    const done = iterations >= window.iterations ? iterations - window.iterations : iterations;
    node.rate = Math.round((done * 10_000) / (now - window.at)) / 10;
    const timing = this.timing.figures(source);
    if (timing) {
      node.meanMs = timing.mean;
      node.p99Ms = timing.p99;
    }
    window.at = now;
    window.iterations = iterations;
  }

  /**
   * A user's actor that a supervisor of ours runs: its generation, failures and last error, as
   * its supervisor's record of it (the child contract's `node()`) says, while it is the
   * record's current generation.
   */
  private addSupervision(node: InspectorNode, parentKey: string, actor: AnyActorRef): void {
    const parent = this.entries.get(parentKey)?.ours;
    if (parent?.kind !== 'supervisor') return;
    const records = (parent.source as unknown as { byId?: Map<string, SupervisedChild> }).byId;
    const record = records?.get(node.id);
    if (!record || record.actor !== actor) return;
    const tree = record.node();
    node.generation = tree.generation;
    node.failures = tree.failures;
    if (tree.lastError) node.lastError = tree.lastError;
    else delete node.lastError;
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
      node.options = optionsOf(actor, source, node.kind);
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

  private walk(upserts: DeltaMessage['upserts']): string[] {
    const seen = new Set<string>();
    this.pathKeys.clear();
    for (const p of this.place()) {
      const key = p.actor.sessionId;
      seen.add(key);
      if (p.path && p.top) this.pathKeys.set(pathKey(p.top, p.path), key);
      this.diff(p, upserts);
    }
    const removed: string[] = [];
    for (const [key, entry] of this.entries) {
      if (!seen.has(key)) {
        removed.push(key);
        this.follow(entry, false);
        this.entries.delete(key);
        this.events.delete(key);
        this.rateWindows.delete(key);
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
    return removed;
  }

  private diff(p: Placement, upserts: DeltaMessage['upserts']): void {
    const key = p.actor.sessionId;
    const entry = this.entries.get(key);
    const ours = entry ? entry.ours : sourceOf(p.actor);
    const node = this.build(p, entry, ours);
    const pathText = node.path ? node.path.join('/') : '\0';
    const raw = node.value;
    const value = raw === undefined || typeof raw === 'string' ? raw : jsonSafe(raw, 8);
    const valueText = typeof value === 'string' ? value : JSON.stringify(value);
    const errorText = node.lastError ? `${node.lastError.at} ${node.lastError.message}` : '';
    const detailsText = node.details ? JSON.stringify(node.details) : '';
    const acceptsText = node.accepts ? JSON.stringify(node.accepts) : '';
    const contextText = node.context === undefined ? '' : JSON.stringify(node.context);
    if (!entry) {
      if (value !== undefined) node.value = value;
      const created: Entry = {
        actor: p.actor,
        key,
        ours,
        top: p.top,
        node,
        pathText,
        valueText,
        errorText,
        detailsText,
        acceptsText,
        contextText,
        unsubscribe: undefined,
      };
      this.entries.set(key, created);
      if (this.observing) this.follow(created, true);
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
    if (pathText !== entry.pathText) {
      change ??= { key };
      change.path = node.path;
    }
    if (valueText !== entry.valueText) {
      change ??= { key };
      if (value === undefined) delete node.value;
      else node.value = value;
      change.value = value ?? null;
    } else {
      node.value = entry.node.value;
    }
    if (errorText !== entry.errorText) {
      change ??= { key };
      change.lastError = node.lastError ?? null;
    }
    if (detailsText !== entry.detailsText) {
      change ??= { key };
      change.details = node.details ?? null;
    }
    if (acceptsText !== entry.acceptsText) {
      change ??= { key };
      change.accepts = node.accepts ?? null;
    }
    if (contextText !== entry.contextText) {
      change ??= { key };
      change.context = node.context ?? null;
    }
    entry.node = node;
    entry.acceptsText = acceptsText;
    entry.contextText = contextText;
    entry.pathText = pathText;
    entry.valueText = valueText;
    entry.errorText = errorText;
    entry.detailsText = detailsText;
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
      timeline: this.newestReports(TIMELINE_LIMIT),
      events,
      eventsPaused: this.eventsPaused,
      control,
      system: this.system.all(),
    };
  }

  /** What changed since the last delta, or undefined when nothing did. */
  delta(): DeltaMessage | undefined {
    if (this.system.tick()) this.timing.sample();
    const storm = this.inspectedInBatch > STORM_EVENTS;
    this.inspectedInBatch = 0;
    if (this.pausedUntil !== undefined && !storm && Date.now() >= this.pausedUntil) {
      this.pausedUntil = undefined;
      if (this.observing) this.inspect(true);
      this.structureDirty = true;
    }
    const upserts: DeltaMessage['upserts'] = [];
    let removed: string[] = [];
    if (this.structureDirty) {
      removed = this.walk(upserts);
    } else if (this.dirty.size) {
      for (const key of this.dirty) {
        const entry = this.entries.get(key);
        if (!entry) continue;
        const n = entry.node;
        this.diff(
          {
            actor: entry.actor,
            parent: n.parent,
            order: n.order,
            path: n.path,
            controllable: n.controllable,
            top: entry.top,
          },
          upserts,
        );
      }
      this.dirty.clear();
    }
    const timeline = this.newestReports(Math.min(this.reportsSinceDelta, TIMELINE_PER_DELTA));
    const timelineSkipped = this.reportsSinceDelta - timeline.length;
    this.reportsSinceDelta = 0;
    const message: DeltaMessage = {
      type: 'delta',
      at: Date.now(),
      upserts,
      removed,
      machines: this.pendingMachines,
      timeline,
      timelineSkipped,
      events: this.pendingEvents,
      eventsPaused: this.eventsPaused,
      system: this.system.take(),
    };
    this.pendingMachines = [];
    this.pendingEvents = [];
    const empty =
      !upserts.length &&
      !removed.length &&
      !message.machines.length &&
      !timeline.length &&
      !message.events.length &&
      !message.system.length &&
      message.eventsPaused === this.pausedSent;
    this.pausedSent = message.eventsPaused;
    return empty ? undefined : message;
  }
}
