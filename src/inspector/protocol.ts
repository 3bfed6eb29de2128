/**
 * The messages between the inspector server and its page, over the WebSocket at `/ws`.
 * Types only (the page imports them too), all JSON.
 *
 * The server sends one `snapshot` when a page connects (the whole tree, every machine
 * drawn so far, the timeline), then `delta`s, batched about once per animation frame.
 * The page sends nothing; commands go over HTTP, `POST /control/services/<path>/<command>`,
 * which the inspector forwards to the control API with the page's `Authorization` header.
 */

import type { SystemSample } from '../control/system-stats.ts';
import type { SupervisorReportType } from '../core/reports.ts';

export type { SystemSample } from '../control/system-stats.ts';

/**
 * The protocol's version; a page that gets another one asks to be reloaded.
 *
 * @example
 * ```ts
 * if (snapshot.protocol !== INSPECTOR_PROTOCOL) throw new Error('reload the page');
 * ```
 */
export const INSPECTOR_PROTOCOL = 1;

/**
 * What a node is: one of our supervisors or services, or any other XState actor of the
 * system (the user's app machine, a callback actor it invoked, ...).
 *
 * @example
 * ```ts
 * const ours = (kind: InspectorNodeKind) => kind !== 'actor';
 * ```
 */
export type InspectorNodeKind = 'supervisor' | 'service' | 'actor';

/**
 * A failure, serialized: `Error`s become this (they would arrive as `{}` otherwise).
 *
 * @example
 * ```ts
 * const e: SerializedError = { name: 'Error', message: 'upstream down', stack: 'Error: upstream down\n    at …' };
 * ```
 */
export interface SerializedError {
  /** The error's class name (`Error`, `TypeError`, `KilledError`, ...). */
  name: string;
  /** Its message. */
  message: string;
  /** Its stack, when it had one. */
  stack?: string;
  /** Its `code`, when it had one (our errors do). */
  code?: string;
}

/**
 * One node of the inspected system: an actor and what the inspector knows of it.
 * Keyed by the actor's XState `sessionId`, which is unique in its system.
 *
 * @example
 * ```ts
 * const label = (n: InspectorNode) => `${n.id} (${n.state}, gen ${n.generation ?? 0})`;
 * ```
 */
export interface InspectorNode {
  /** The actor's `sessionId`. */
  key: string;
  /** The parent's key; `null` for the inspected actor itself. */
  parent: string | null;
  /** The actor's id (a service's or supervisor's id; XState's id for other actors). */
  id: string;
  /** Ours or the user's. */
  kind: InspectorNodeKind;
  /** Position among its siblings (declared order for a supervisor's children). */
  order: number;
  /**
   * Ids below the top supervisor of its branch, as in a report's `path` and the control API's
   * `<path>` (`[]` for that supervisor itself); `null` for other actors.
   */
  path: string[] | null;
  /** True when the control API can command it (a child under the controlled supervisor). */
  controllable: boolean;
  /**
   * The lifecycle state for our nodes (`idle`, `starting`, `running`, `stopping`, `stopped`,
   * `failed`); for other actors, their state value written as `a.b` (or their status).
   */
  state: string;
  /** The snapshot's full `value` (for the statechart's highlight); absent for non-machines. */
  value?: unknown;
  /** XState's status of the actor. */
  status: 'active' | 'done' | 'error' | 'stopped';
  /** Ours: 0 for the first run, +1 on every restart. */
  generation?: number;
  /** Services: iterations of the current generation. */
  iterations?: number;
  /**
   * Services: iterations per second, measured by the inspector over about the last second
   * while a page is open (absent until measured).
   */
  rate?: number;
  /**
   * Services: the mean time of their last 256 iterations, in ms, measured while a page is
   * open (absent until one was timed).
   */
  meanMs?: number;
  /** Services: the 99th percentile of the same iteration times, in ms. */
  p99Ms?: number;
  /** Ours, under a supervisor: `child.restarted` reports for its path since the inspector started. */
  restartCount?: number;
  /** Ours: failures in the current generation. */
  failures?: number;
  /** Services: the `maxFailures` they fail at (`null` for no limit). */
  maxFailures?: number | null;
  /** Supervisors: restarts counted in the current window. */
  restarts?: number;
  /** Supervisors: restarts allowed in the window. */
  maxRestarts?: number;
  /** Supervisors: the window in ms. */
  restartWindow?: number;
  /** Supervisors: `one-for-one`, `one-for-all` or `rest-for-one`. */
  strategy?: string;
  /** Ours: `permanent`, `transient` or `temporary`. */
  restart?: string;
  /** Ours: the latest failure, kept across generations. */
  lastError?: { message: string; stack?: string; at: number };
  /** Service kinds: what they add (a server's port, a cron's next fire times, ...). */
  details?: Record<string, unknown>;
  /** The options it was made with, JSON-safe (functions shown as `[function name]`). */
  options?: Record<string, unknown>;
  /** Key of its machine's drawing in `machines`; absent for actors that are not machines. */
  machine?: string;
  /**
   * The user's machines (`kind: 'actor'`): the events it can take in its current state (what
   * the page's event box offers); empty when it is not active. Absent for other nodes.
   */
  accepts?: AcceptedEvent[];
  /**
   * The user's machines (`kind: 'actor'`): its context, JSON-safe, 5 levels deep; text ending
   * in `…` when its JSON is over 8,000 characters.
   */
  context?: unknown;
}

/**
 * An event a machine can take in its current state: a transition from an active state or one
 * of its ancestors has this event type. Guards are not evaluated: `guards` names them when
 * every such transition has one (the event may then be ignored).
 *
 * @example
 * ```ts
 * const label = (e: AcceptedEvent) => (e.guards ? `${e.type} [${e.guards.join(', ')}]` : e.type);
 * ```
 */
export interface AcceptedEvent {
  /** The event type (`db.close`). */
  type: string;
  /** The guards of its transitions, when all of them have one. */
  guards?: string[];
}

/**
 * A state of a machine, for drawing: nested states and transitions from the definition.
 *
 * @example
 * ```ts
 * const count = (s: ChartState): number => 1 + s.states.reduce((n, c) => n + count(c), 0);
 * ```
 */
export interface ChartState {
  /** Its full id (`service.running.looping`), what transitions target. */
  id: string;
  /** Its key in the parent (`looping`). */
  key: string;
  /** XState's state type. */
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** The initial child's key, for compound states. */
  initial?: string;
  /** Entry action names. */
  entry: string[];
  /** Exit action names. */
  exit: string[];
  /** Ids or sources of invoked actors. */
  invoke: string[];
  /** Transitions out of this state, eventless ones with event `''` (`always`). */
  transitions: ChartTransition[];
  /** Child states in declared order. */
  states: ChartState[];
}

/**
 * One transition of a machine, for drawing.
 *
 * @example
 * ```ts
 * const label = (t: ChartTransition) => (t.guard ? `${t.event} [${t.guard}]` : t.event);
 * ```
 */
export interface ChartTransition {
  /** The event type, `''` for `always`, `xstate.after.<delay>...` for delays. */
  event: string;
  /** Target state ids; empty for a targetless (self, actions only) transition. */
  targets: string[];
  /** The guard's name, if any. */
  guard?: string;
  /** Action names. */
  actions: string[];
}

/**
 * A machine's drawing: sent once per machine definition, shared by every actor of it.
 *
 * @example
 * ```ts
 * const byKey = new Map<string, MachineChart>(snapshot.machines.map((m) => [m.key, m]));
 * ```
 */
export interface MachineChart {
  /** Key that `InspectorNode.machine` refers to. */
  key: string;
  /** The machine's id. */
  id: string;
  /** Its root state. */
  root: ChartState;
}

/**
 * One supervisor report on the timeline.
 *
 * @example
 * ```ts
 * const line = (t: TimelineEntry) => `${new Date(t.at).toISOString()} ${t.type} ${t.path.join('/')}`;
 * ```
 */
export interface TimelineEntry {
  /** Increasing number, so the page can tell what it has seen. */
  seq: number;
  /** `Date.now()` when the report arrived. */
  at: number;
  /** The report type. */
  type: SupervisorReportType;
  /** Ids below the top supervisor of the branch. */
  path: string[];
  /** The node's key, when it is in the tree. */
  key: string | null;
  /** The child's generation after the decision. */
  generation: number;
  /** The reason, as text (`'normal'`, `'manual'`, an error's message, ...). */
  reason?: string;
  /** The error, on `child.failed` and `supervisor.intensity-exceeded` (others: `reason` only). */
  error?: SerializedError;
  /** Restarts counted in the window at the time. */
  restarts?: number;
}

/**
 * One XState event an actor received (kept per node while a page is connected).
 *
 * @example
 * ```ts
 * const recent = events.filter((e) => e.key === selected).slice(-20);
 * ```
 */
export interface NodeEvent {
  /** Increasing number. */
  seq: number;
  /** The receiving actor's key. */
  key: string;
  /** `Date.now()` when it was received. */
  at: number;
  /** The event's type. */
  type: string;
  /** The sender's key, if known. */
  source?: string;
  /**
   * The event's other fields (its payload), JSON-safe, 4 levels deep; text ending in `…`
   * when its JSON is over 2,000 characters. Absent when the event has only a type.
   */
  payload?: unknown;
}

/**
 * Whether the page can send commands: through the inspector to the control API.
 *
 * @example
 * ```ts
 * if (control.enabled && control.tokenRequired) askForTokenOnce();
 * ```
 */
export interface ControlInfo {
  /** The control API is known to the inspector. */
  enabled: boolean;
  /** It wants a bearer token (the page asks for it once). */
  tokenRequired: boolean;
}

/**
 * The first message on a connection: everything, as of now.
 *
 * @example
 * ```ts
 * ws.onmessage = (m) => { const msg = JSON.parse(m.data) as ServerMessage; if (msg.type === 'snapshot') render(msg.nodes); };
 * ```
 */
export interface SnapshotMessage {
  /** Tells a snapshot from a delta. */
  type: 'snapshot';
  /** The protocol version; a page built for another one asks to be reloaded. */
  protocol: typeof INSPECTOR_PROTOCOL;
  /** `Date.now()` when it was taken. */
  at: number;
  /** What the page shows as its title (the inspected actor's id unless set). */
  title: string;
  /** The inspected actor's key. */
  root: string;
  /** Every node, parents before children. */
  nodes: InspectorNode[];
  /** Every machine drawn so far. */
  machines: MachineChart[];
  /** The latest reports, oldest first (a bounded window). */
  timeline: TimelineEntry[];
  /** The latest events per node, oldest first. */
  events: NodeEvent[];
  /** True while the server skips events during a storm (the tree stays exact). */
  eventsPaused: boolean;
  /** Whether commands can be sent. */
  control: ControlInfo;
  /** The process's figures, one sample a second while a page has been open (last 5 minutes). */
  system: SystemSample[];
}

/**
 * What changed since the previous message. `upserts` carry only the fields that changed
 * (plus `key`); a new node comes whole.
 *
 * @example
 * ```ts
 * for (const u of delta.upserts) nodes.set(u.key, { ...nodes.get(u.key), ...u } as InspectorNode);
 * ```
 */
export interface DeltaMessage {
  /** Tells a delta from a snapshot. */
  type: 'delta';
  /** `Date.now()` when it was sent. */
  at: number;
  /**
   * New or changed nodes: new ones whole, changed ones with the changed fields. A field that
   * is `null` in a change is gone (a `lastError` cleared, say); `parent` is never changed to null.
   */
  upserts: Array<Partial<InspectorNode> & { key: string }>;
  /** Keys of nodes gone from the tree. */
  removed: string[];
  /** Machines not sent before. */
  machines: MachineChart[];
  /** New reports, oldest first (at most the newest 100 since the last message). */
  timeline: TimelineEntry[];
  /** Reports since the last message left out of `timeline` (a storm); 0 usually. */
  timelineSkipped: number;
  /** New events (at most 500; the per-node windows keep the last 30 each). */
  events: NodeEvent[];
  /**
   * True while the server skips events during a storm (more than 1,000 inspection events in
   * one batch): the tree stays exact, the events have a gap until it calms down.
   */
  eventsPaused: boolean;
  /** New samples of the process's figures (about one a second). */
  system: SystemSample[];
}

/**
 * Every message the server sends.
 *
 * @example
 * ```ts
 * function onMessage(msg: ServerMessage) { if (msg.type === 'delta') apply(msg); else reset(msg); }
 * ```
 */
export type ServerMessage = SnapshotMessage | DeltaMessage;
