/**
 * What a statechart writes, before any layout: the lines inside each state, the arrows merged
 * per pair of states, and how wide a text is. Kept apart from the layout so a chart stays
 * readable at the page's text size: an event every child handles alike is written once, on
 * their parent, and two arrows between the same states become one with a label per event.
 */
import type { ChartState, ChartTransition } from '../../src/inspector/protocol.ts';
import { eventLabel, invokeName } from './node-text.ts';

/** Font sizes of the chart, in px at scale 1: the page's body size, so a fit at 1 reads. */
export const TITLE_SIZE = 14;
export const LINE_SIZE = 13;
/** Height of a line of text inside a state or a label. */
export const LINE_H = 17;
/** Characters per line of a wrapped `on …` list or arrow label. */
const WRAP = 44;
const LABEL_WRAP = 38;

/** The label of a transition: its event, and its guard in brackets. */
export const transitionLabel = (t: ChartTransition): string =>
  t.guard ? `${eventLabel(t.event)} [${t.guard}]` : eventLabel(t.event);

/**
 * What a state's box is titled: its key; the machine's id for the top state, an `H` for a
 * history state.
 *
 * @example
 * ```ts
 * titleOf(chart.root, 0); // 'supervisor  (machine)'
 * ```
 */
export function titleOf(state: ChartState, depth: number): string {
  if (depth === 0) return `${state.key}  (machine)`;
  return state.type === 'history' ? `H ${state.key}` : state.key;
}

/** A state's text and arrows, with its place in the tree. */
export interface StateText {
  readonly state: ChartState;
  readonly depth: number;
  readonly parent: string | null;
  /** `entry / …`, `exit / …`, `invoke …`, `on …`, and transitions written as lines. */
  readonly lines: string[];
}

/** One arrow between two states, with one label line per transition it stands for. */
export interface ChartArrow {
  readonly source: string;
  readonly target: string;
  readonly labels: string[];
}

/**
 * The text of every state and the arrows between them. `nestedAsLines` writes an arrow between
 * a state and its own ancestor or descendant as a line instead (the layered layout can fail on
 * those).
 *
 * @example
 * ```ts
 * const { states, arrows } = chartText(chart.root, false);
 * ```
 */
export function chartText(
  root: ChartState,
  nestedAsLines: boolean,
): { states: Map<string, StateText>; arrows: ChartArrow[] } {
  const states = new Map<string, StateText>();
  const collect = (state: ChartState, depth: number, parent: string | null) => {
    states.set(state.id, { state, depth, lines: [], parent });
    for (const child of state.states) collect(child, depth + 1, state.id);
  };
  collect(root, 0, null);
  const isAncestor = (of: string, id: string): boolean => {
    for (let p = states.get(of)?.parent ?? null; p !== null; p = states.get(p)?.parent ?? null)
      if (p === id) return true;
    return false;
  };
  const kin = (a: string, b: string) => isAncestor(a, b) || isAncestor(b, a);

  const arrows = new Map<string, ChartArrow>();
  const internal = new Map<string, string[]>();
  for (const { state, lines } of states.values()) {
    lines.push(...actionLines(state));
    const handled: string[] = [];
    internal.set(state.id, handled);
    for (const t of state.transitions) {
      const label = transitionLabel(t);
      const targets = t.targets.filter(
        (id) => states.has(id) && id !== state.id && !(nestedAsLines && kin(state.id, id)),
      );
      // No arrow to draw (targetless, to itself, or to a state we do not know): a line inside.
      if (targets.length === 0) {
        if (t.targets.length === 0) handled.push(label);
        else lines.push(`${label}${lineTarget(state, t.targets, states)}`);
        continue;
      }
      for (const target of targets) {
        const key = `${state.id}→${target}`;
        const arrow = arrows.get(key);
        if (arrow) arrow.labels.push(label);
        else arrows.set(key, { source: state.id, target, labels: [label] });
      }
    }
  }
  hoist(root, internal);
  // Events handled without leaving the state (a supervisor takes eight): one wrapped list.
  for (const { state, lines } of states.values())
    lines.push(...wrap('on ', grouped(internal.get(state.id) ?? []), WRAP));
  // An arrow for several events: its labels packed a few to a line.
  const packed = [...arrows.values()].map((a) =>
    a.labels.length > 1 ? { ...a, labels: wrap('', a.labels, LABEL_WRAP, '') } : a,
  );
  return { states, arrows: packed };
}

/**
 * Moves an event every child of a compound state handles without leaving it (same event, same
 * guard) up to that state, bottom-up: the supervisor's `child.*` commands, taken in each of its
 * six states, are written once on the machine instead of six times.
 */
function hoist(state: ChartState, internal: Map<string, string[]>): void {
  for (const child of state.states) hoist(child, internal);
  if (state.type !== 'compound' || state.states.length < 2) return;
  const lists = state.states.map((c) => internal.get(c.id) ?? []);
  const shared = (lists[0] ?? []).filter((label) => lists.every((l) => l.includes(label)));
  if (shared.length === 0) return;
  for (const list of lists) {
    const kept = list.filter((label) => !shared.includes(label));
    list.splice(0, list.length, ...kept);
  }
  internal.get(state.id)?.push(...shared.filter((l) => !internal.get(state.id)?.includes(l)));
}

/**
 * `entry / …`, `exit / …` and `invoke …` lines. The `raise`/`cancel` pair XState adds for a
 * delayed transition is left out: the arrow's `after …` label says it already.
 */
function actionLines(state: ChartState): string[] {
  const delayed = state.transitions.some((t) => t.event.startsWith('xstate.after.'));
  const entry = delayed
    ? state.entry.filter((a) => a !== 'raise' && a !== 'xstate.raise')
    : state.entry;
  const exit = delayed
    ? state.exit.filter((a) => a !== 'cancel' && a !== 'xstate.cancel')
    : state.exit;
  const out: string[] = [];
  if (entry.length > 0) out.push(`entry / ${entry.join(', ')}`);
  if (exit.length > 0) out.push(`exit / ${exit.join(', ')}`);
  for (const id of state.invoke) out.push(`invoke ${invokeName(id)}`);
  return out;
}

/**
 * Events that share a namespace written once: `child.start, child.stop, child.fail` becomes
 * `child.{start, stop, fail}` (three or more; fewer stay as they are).
 */
function grouped(items: string[]): string[] {
  const byPrefix = new Map<string, string[]>();
  for (const item of items) {
    const prefix = /^([\w-]+)\.[\w-]+$/.exec(item)?.[1] ?? '';
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), item]);
  }
  const out: string[] = [];
  for (const item of items) {
    const prefix = /^([\w-]+)\.[\w-]+$/.exec(item)?.[1] ?? '';
    const same = byPrefix.get(prefix) ?? [];
    if (prefix === '' || same.length < 3) out.push(item);
    else if (same[0] === item) {
      // In pieces short enough for a line each.
      let names: string[] = [];
      const flush = () => {
        if (names.length > 0) out.push(`${prefix}.{${names.join(', ')}}`);
        names = [];
      };
      for (const s of same) {
        const name = s.slice(prefix.length + 1);
        if (names.length > 0 && `${prefix}.{${[...names, name].join(', ')}}`.length > WRAP - 4)
          flush();
        names.push(name);
      }
      flush();
    }
  }
  return out;
}

/** Items joined by `, ` in lines of about `width` characters, the first with `prefix`. */
function wrap(prefix: string, items: string[], width: number, indent = '   '): string[] {
  const out: string[] = [];
  let line = prefix;
  for (const [i, item] of items.entries()) {
    const piece = i < items.length - 1 ? `${item}, ` : item;
    if (line.trim() !== prefix.trim() && line.length + piece.length > width) {
      out.push(line.trimEnd());
      line = indent;
    }
    line += piece;
  }
  if (items.length > 0) out.push(line);
  return out;
}

/** Where a transition written as a line goes: nowhere (targetless), itself, or named states. */
function lineTarget(state: ChartState, targets: string[], states: Map<string, StateText>) {
  if (targets.length === 0) return '';
  if (targets.every((id) => id === state.id)) return ' ↻';
  return ` → ${targets.map((id) => states.get(id)?.state.key ?? id).join(', ')}`;
}

let context: CanvasRenderingContext2D | null | undefined;

/**
 * The width of `text` in the chart's monospace font at `size` px, measured by the browser (an
 * estimate where there is no canvas), so boxes fit their text at any zoom.
 *
 * @example
 * ```ts
 * const width = textWidth('supervisor.start', LINE_SIZE);
 * ```
 */
export function textWidth(text: string, size: number, bold = false): number {
  if (context === undefined)
    context =
      typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  if (!context) return text.length * size * 0.62;
  const family =
    getComputedStyle(document.documentElement).getPropertyValue('--mono') || 'monospace';
  context.font = `${bold ? '600 ' : ''}${size}px ${family}`;
  return context.measureText(text).width;
}
