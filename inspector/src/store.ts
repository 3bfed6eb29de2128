/**
 * The page's model: the latest of every node, the machines' drawings, the timeline and recent
 * events, kept from the server's snapshot and deltas. Applying a message touches no DOM; it
 * notes what changed in {@link Changes}, which the next animation frame draws and clears, so
 * ten deltas between two frames cost one render.
 */
import type {
  ControlInfo,
  DeltaMessage,
  InspectorNode,
  MachineChart,
  NodeEvent,
  SnapshotMessage,
  SystemSample,
  TimelineEntry,
} from '../../src/inspector/protocol.ts';

/** Reports kept in memory (the timeline shows at most {@link TIMELINE_ROWS} of them). */
export const TIMELINE_KEPT = 2_000;
/** Rows the timeline puts in the DOM. */
export const TIMELINE_ROWS = 500;
/** System samples kept (five minutes at one a second). */
export const SYSTEM_KEPT = 300;
/** History samples kept per service (two minutes at one a second). */
export const HISTORY_KEPT = 120;

/**
 * A service's figures over time, one sample per system sample (about a second), kept while
 * the page is open: the details panel draws them as sparklines.
 */
export interface NodeHistory {
  /** Iterations per second. */
  readonly rate: number[];
  /** Mean iteration time, ms. */
  readonly mean: number[];
  /** Failures in each sample's second. */
  readonly failures: number[];
  /** Queue workers: tasks queued. */
  readonly queued: number[];
  /** Queue workers: tasks handled per second. */
  readonly throughput: number[];
  /** What the previous sample saw, to count what happened since. */
  last: { generation: number; failures: number; errorAt: number; processed: number; at: number };
}

/** Events kept per node (the details panel shows them newest first). */
export const EVENTS_KEPT = 30;

/**
 * What changed since the last frame. `all` (a new snapshot) means: forget every row and draw
 * again; otherwise the sets name what to update.
 */
export class Changes {
  all = false;
  /** A node came, went, or moved (parent or order): the tree's order must be recomputed. */
  structure = false;
  /** Nodes whose fields changed (new ones included). */
  readonly nodes = new Set<string>();
  /** Nodes whose generation went up: their row flashes. */
  readonly generationUp = new Set<string>();
  /** Reports that arrived, oldest first. */
  timeline: TimelineEntry[] = [];
  /** Nodes that received events. */
  readonly events = new Set<string>();
  /** Machine drawings arrived. */
  machines = false;
  /** `eventsPaused` or `timelineSkipped` changed. */
  storm = false;
  /** System samples arrived. */
  system = false;

  get any(): boolean {
    return (
      this.all ||
      this.structure ||
      this.nodes.size > 0 ||
      this.timeline.length > 0 ||
      this.events.size > 0 ||
      this.machines ||
      this.storm ||
      this.system
    );
  }

  clear(): void {
    this.all = false;
    this.structure = false;
    this.nodes.clear();
    this.generationUp.clear();
    this.timeline = [];
    this.events.clear();
    this.machines = false;
    this.storm = false;
    this.system = false;
  }
}

/**
 * The latest state of the inspected system, as the server last told it.
 *
 * @example
 * ```ts
 * const store = new InspectorStore();
 * ws.onmessage = (m) => { store.receive(JSON.parse(m.data)); scheduleFrame(); };
 * ```
 */
export class InspectorStore {
  readonly nodes = new Map<string, InspectorNode>();
  readonly machines = new Map<string, MachineChart>();
  /** Oldest first, at most {@link TIMELINE_KEPT}. */
  timeline: TimelineEntry[] = [];
  /** Per node, oldest first, at most {@link EVENTS_KEPT}. */
  readonly events = new Map<string, NodeEvent[]>();
  control: ControlInfo = { enabled: false, tokenRequired: false };
  root: string | null = null;
  /** The server skips events while the app is in a storm (the tree stays exact). */
  eventsPaused = false;
  /** The process's figures, oldest first, at most {@link SYSTEM_KEPT}. */
  system: SystemSample[] = [];
  /** Per service, by key: its figures over time. */
  readonly history = new Map<string, NodeHistory>();
  /** Reports the server left out of its messages during storms, since the snapshot. */
  timelineSkipped = 0;
  readonly changes = new Changes();

  /** Takes a snapshot as the whole truth: everything known before is dropped. */
  reset(msg: SnapshotMessage): void {
    this.nodes.clear();
    this.machines.clear();
    this.events.clear();
    this.timeline = [];
    this.root = msg.root;
    this.control = msg.control;
    this.eventsPaused = msg.eventsPaused;
    this.timelineSkipped = 0;
    for (const node of msg.nodes) this.nodes.set(node.key, { ...node });
    for (const m of msg.machines) this.machines.set(m.key, m);
    this.addTimeline(msg.timeline);
    this.addEvents(msg.events);
    this.system = (msg.system ?? []).slice(-SYSTEM_KEPT);
    this.history.clear();
    this.changes.clear();
    this.changes.all = true;
  }

  /** Merges a delta: changed fields into their nodes, new nodes whole, removed ones out. */
  apply(msg: DeltaMessage): void {
    const changes = this.changes;
    for (const patch of msg.upserts) {
      const node = this.nodes.get(patch.key);
      if (!node) {
        // A node new to us; `as` because a well-behaved server sends it whole.
        this.nodes.set(patch.key, { ...patch } as InspectorNode);
        changes.structure = true;
      } else {
        if (
          patch.generation !== undefined &&
          node.generation !== undefined &&
          patch.generation > node.generation
        )
          changes.generationUp.add(patch.key);
        if (
          (patch.parent !== undefined && patch.parent !== node.parent) ||
          (patch.order !== undefined && patch.order !== node.order) ||
          (patch.id !== undefined && patch.id !== node.id)
        )
          changes.structure = true;
        merge(node, patch);
      }
      changes.nodes.add(patch.key);
    }
    for (const key of msg.removed) {
      if (!this.nodes.delete(key)) continue;
      this.events.delete(key);
      this.history.delete(key);
      changes.nodes.delete(key);
      changes.structure = true;
    }
    for (const m of msg.machines) this.machines.set(m.key, m);
    if (msg.machines.length > 0) changes.machines = true;
    if (msg.timeline.length > 0) {
      this.addTimeline(msg.timeline);
      changes.timeline.push(...msg.timeline);
      // A hidden tab gets no frames: keep only what the timeline could show.
      if (changes.timeline.length > TIMELINE_ROWS)
        changes.timeline = changes.timeline.slice(-TIMELINE_ROWS);
    }
    this.addEvents(msg.events);
    if (msg.system?.length) {
      this.system.push(...msg.system);
      if (this.system.length > SYSTEM_KEPT) this.system.splice(0, this.system.length - SYSTEM_KEPT);
      changes.system = true;
      this.sampleHistory(msg.system[msg.system.length - 1]!.at);
    }
    if (msg.eventsPaused !== this.eventsPaused || msg.timelineSkipped > 0) {
      this.eventsPaused = msg.eventsPaused;
      this.timelineSkipped += msg.timelineSkipped;
      changes.storm = true;
    }
  }

  /** One history sample for every service, at `at` (a system sample's time). */
  private sampleHistory(at: number): void {
    for (const node of this.nodes.values()) {
      if (node.kind !== 'service') continue;
      const generation = node.generation ?? 0;
      const failures = node.failures ?? 0;
      const errorAt = node.lastError?.at ?? 0;
      const processed = typeof node.details?.processed === 'number' ? node.details.processed : 0;
      let h = this.history.get(node.key);
      if (!h) {
        h = {
          rate: [],
          mean: [],
          failures: [],
          queued: [],
          throughput: [],
          last: { generation, failures, errorAt, processed, at },
        };
        this.history.set(node.key, h);
        continue;
      }
      const last = h.last;
      let failed =
        generation === last.generation ? Math.max(0, failures - last.failures) : failures;
      if (failed === 0 && errorAt !== last.errorAt) failed = 1;
      const seconds = Math.max(0.001, (at - last.at) / 1_000);
      push(h.rate, node.rate ?? 0);
      push(h.mean, node.meanMs ?? 0);
      push(h.failures, failed);
      if (typeof node.details?.queued === 'number') {
        push(h.queued, node.details.queued);
        push(h.throughput, Math.max(0, processed - last.processed) / seconds);
      }
      h.last = { generation, failures, errorAt, processed, at };
    }
  }

  private addTimeline(entries: readonly TimelineEntry[]): void {
    if (entries.length === 0) return;
    this.timeline.push(...entries);
    if (this.timeline.length > TIMELINE_KEPT)
      this.timeline.splice(0, this.timeline.length - TIMELINE_KEPT);
  }

  private addEvents(events: readonly NodeEvent[]): void {
    for (const event of events) {
      // Events of nodes we do not know (yet) would only leak.
      if (!this.nodes.has(event.key)) continue;
      let list = this.events.get(event.key);
      if (!list) {
        list = [];
        this.events.set(event.key, list);
      }
      list.push(event);
      if (list.length > EVENTS_KEPT) list.shift();
      this.changes.events.add(event.key);
    }
  }
}

function push(list: number[], value: number): void {
  list.push(value);
  if (list.length > HISTORY_KEPT) list.shift();
}

/** Merges a change into a node: a `null` field is gone (except `parent`, null for the root). */
function merge(node: InspectorNode, patch: Partial<InspectorNode> & { key: string }): void {
  const target = node as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(patch)) {
    if (value === null && field !== 'parent') delete target[field];
    else target[field] = value;
  }
}
