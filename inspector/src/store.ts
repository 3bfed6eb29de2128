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
    }
    if (msg.eventsPaused !== this.eventsPaused || msg.timelineSkipped > 0) {
      this.eventsPaused = msg.eventsPaused;
      this.timelineSkipped += msg.timelineSkipped;
      changes.storm = true;
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

/** Merges a change into a node: a `null` field is gone (except `parent`, null for the root). */
function merge(node: InspectorNode, patch: Partial<InspectorNode> & { key: string }): void {
  const target = node as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(patch)) {
    if (value === null && field !== 'parent') delete target[field];
    else target[field] = value;
  }
}
