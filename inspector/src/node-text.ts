/**
 * How a node's figures read, in the tree, the details panel and the timeline: one place, so
 * the three say the same thing the same way.
 */
import type { InspectorNode, TimelineEntry } from '../../src/inspector/protocol.ts';

/** The lifecycle states of our nodes, in lifecycle order (the header counts them so). */
export const LIFECYCLE_STATES = [
  'idle',
  'starting',
  'running',
  'stopping',
  'stopped',
  'failed',
] as const;

/** A limit, `∞` when there is none. */
export const limit = (n: number | null | undefined): string =>
  n === null || n === undefined ? '∞' : String(n);

/**
 * A duration in ms, short: `500ms`, `5s`, `1.5s`, `2m`, `1h`.
 *
 * @example
 * ```ts
 * duration(5_000); // '5s'
 * ```
 */
export function duration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${trim(ms / 1_000)}s`;
  if (ms < 3_600_000) return `${trim(ms / 60_000)}m`;
  return `${trim(ms / 3_600_000)}h`;
}

const trim = (n: number): string => String(Math.round(n * 10) / 10);

/** A time of day with milliseconds, `14:03:07.512`. */
export function clock(at: number): string {
  const d = new Date(at);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/**
 * The figures shown after a node's key figure in the tree: failures for a service, strategy
 * and restarts for a supervisor, nothing for other actors.
 *
 * @example
 * ```ts
 * figures(service); // ['fail 0/10']
 * ```
 */
export function figures(node: InspectorNode): string[] {
  if (node.kind === 'service') return [`fail ${node.failures ?? 0}/${limit(node.maxFailures)}`];
  if (node.kind === 'supervisor') {
    const window = node.restartWindow === undefined ? '' : ` in ${duration(node.restartWindow)}`;
    return [
      node.strategy ?? '',
      `restarts ${node.restarts ?? 0}/${limit(node.maxRestarts)}${window}`,
    ];
  }
  return [];
}

/** `gen N` for the nodes a supervisor of ours runs (its own actors too), nothing for others. */
export const generationText = (node: InspectorNode): string =>
  node.generation === undefined ? '' : `gen ${node.generation}`;

/** A report type without its namespace: `restarted`, `intensity exceeded`. */
export const reportLabel = (type: TimelineEntry['type']): string =>
  type.replace(/^(child|supervisor)\./, '').replace('-', ' ');

/** A path as the control API and the reports write it; `(top)` for the top supervisor. */
export const pathText = (path: readonly string[]): string =>
  path.length === 0 ? '(top)' : path.join('/');

/**
 * An invoked actor's id made readable: XState names an unnamed one `<index>.<state id>`
 * (`0.service.running.resetting`), which says nothing the box around it does not.
 */
export const invokeName = (id: string): string => (/^\d+\.[^.]/.test(id) ? '(unnamed)' : id);

/**
 * An event type made readable: `always` for eventless transitions, `after 100ms` for delays,
 * `done: id` and `error: id` for invoked actors; other types unchanged.
 */
export function eventLabel(type: string): string {
  if (type === '') return 'always';
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  if (after) return `after ${/^\d+$/.test(after[1] ?? '') ? duration(Number(after[1])) : after[1]}`;
  const done = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  if (done) return /^\d+\.[^.]/.test(done[2] ?? '') ? `${done[1]}` : `${done[1]}: ${done[2]}`;
  if (type.startsWith('xstate.done.state.')) return 'done';
  return type;
}
