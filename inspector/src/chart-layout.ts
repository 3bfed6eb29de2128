/**
 * Lays out a machine's statechart with elkjs's layered algorithm, hierarchy included: compound
 * states contain their children, and transitions cross levels. A layout is computed once per
 * machine definition and cached; the active state's highlight is drawn over it without a new
 * layout (see chart-view.ts).
 *
 * elkjs is ~1.6 MB, so it is imported the first time a chart is drawn, not with the page.
 */
import type { ELK, ElkExtendedEdge, ElkLabel, ElkNode } from 'elkjs/lib/elk-api';
import type { ChartState, ChartTransition, MachineChart } from '../../src/inspector/protocol.ts';
import { eventLabel, invokeName } from './node-text.ts';

/** Sizes of the chart's text (the CSS uses the same monospace sizes). */
export const TITLE_SIZE = 12;
export const LINE_SIZE = 10;
const TITLE_CHAR = 7.3;
const LINE_CHAR = 6.1;
const TITLE_H = 22;
const LINE_H = 13;
const PAD = 10;
const INITIAL_SIZE = 10;
/** Characters per line of a wrapped list inside a state. */
const WRAP = 36;

/** A laid-out rectangle. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A state's box and what it writes inside. */
export interface LaidState extends Box {
  readonly state: ChartState;
  readonly depth: number;
  /** `entry / …`, `exit / …`, `invoke …`, and transitions that leave no arrow. */
  readonly lines: string[];
}

/** One arrow: a transition to one target, or an initial marker to its state. */
export interface LaidEdge {
  readonly source: string;
  readonly target: string;
  readonly label: string;
  readonly points: { x: number; y: number }[];
  readonly labelBox?: Box;
  /** The initial-state marker's arrow (no label, from a dot). */
  readonly initial: boolean;
}

/** A whole chart, in absolute coordinates. */
export interface ChartLayout {
  readonly width: number;
  readonly height: number;
  readonly states: LaidState[];
  readonly edges: LaidEdge[];
  /** The initial markers' dots. */
  readonly dots: Box[];
}

let elk: Promise<ELK> | undefined;
/** By machine key; the definition is kept too, since a restarted app may reuse a key. */
const cache = new Map<string, { definition: string; layout: Promise<ChartLayout> }>();

/**
 * The layout of a machine's chart, computed once per machine definition.
 *
 * @example
 * ```ts
 * const layout = await layoutChart(store.machines.get(node.machine));
 * ```
 */
export function layoutChart(chart: MachineChart): Promise<ChartLayout> {
  const definition = JSON.stringify(chart);
  const cached = cache.get(chart.key);
  if (cached?.definition === definition) return cached.layout;
  const layout = compute(chart);
  cache.set(chart.key, { definition, layout });
  // A failed layout is not kept: the next selection tries again.
  layout.catch(() => {
    if (cache.get(chart.key)?.layout === layout) cache.delete(chart.key);
  });
  return layout;
}

/** The label of a transition: its event, and its guard in brackets. */
export const transitionLabel = (t: ChartTransition): string =>
  t.guard ? `${eventLabel(t.event)} [${t.guard}]` : eventLabel(t.event);

async function compute(chart: MachineChart): Promise<ChartLayout> {
  elk ??= import('elkjs/lib/elk.bundled.js').then(({ default: ELK }) => new ELK());
  const engine = await elk;
  const options = {
    'elk.algorithm': 'layered',
    'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
    'elk.direction': 'DOWN',
    'elk.json.shapeCoords': 'ROOT',
    'elk.json.edgeCoords': 'ROOT',
    'elk.padding': '[top=8,left=8,bottom=8,right=8]',
    'elk.spacing.nodeNode': '24',
    'elk.layered.spacing.nodeNodeBetweenLayers': '34',
    'elk.spacing.edgeLabel': '3',
    'elk.edgeLabels.placement': 'CENTER',
    'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  };
  const layout = (built: Built) =>
    engine.layout({
      id: '⟨graph⟩',
      layoutOptions: options,
      children: [built.node],
      edges: built.edges,
    });
  let built = build(chart.root, false);
  let result: ElkNode;
  try {
    result = await layout(built);
  } catch {
    // An arrow between a state and its own descendant can defeat the layered algorithm:
    // write those inside their state rather than fail the whole chart.
    built = build(chart.root, true);
    result = await layout(built);
  }
  return read(result, built);
}

interface Built {
  node: ElkNode;
  edges: (ElkExtendedEdge & { label: string; initial: boolean })[];
  states: Map<string, { state: ChartState; depth: number; lines: string[]; parent: string | null }>;
}

/** The ELK graph of a chart; `nestedAsLines` writes arrows to a state's own kin as lines. */
function build(root: ChartState, nestedAsLines: boolean): Built {
  const states: Built['states'] = new Map();
  const edges: Built['edges'] = [];
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

  let n = 0;
  for (const { state, lines } of states.values()) {
    lines.push(...actionLines(state));
    const internal: string[] = [];
    for (const t of state.transitions) {
      const label = transitionLabel(t);
      const targets = t.targets.filter(
        (id) => states.has(id) && id !== state.id && !(nestedAsLines && kin(state.id, id)),
      );
      // No arrow to draw (targetless, to itself, or to a state we do not know): a line inside.
      if (targets.length === 0) {
        if (t.targets.length === 0) internal.push(label);
        else lines.push(`${label}${lineTarget(state, t.targets, states)}`);
        continue;
      }
      for (const target of targets)
        edges.push({
          id: `e${n++}`,
          sources: [state.id],
          targets: [target],
          label,
          initial: false,
          labels: [labelOf(label)],
        });
    }
    // Events handled without leaving the state (a supervisor takes seven): one wrapped list.
    lines.push(...wrap('on ', internal));
  }

  const toNode = (state: ChartState): ElkNode => {
    const info = states.get(state.id)!;
    const textWidth = Math.max(
      state.key.length * TITLE_CHAR,
      ...info.lines.map((l) => l.length * LINE_CHAR),
    );
    const header = TITLE_H + info.lines.length * LINE_H;
    if (state.states.length === 0)
      return {
        id: state.id,
        width: Math.max(64, Math.ceil(textWidth + 2 * PAD)),
        height: header + 6,
      };
    const children = state.states.map(toNode);
    const initial =
      state.type === 'compound' ? state.states.find((c) => c.key === state.initial) : undefined;
    if (initial) {
      const dot = `${state.id}⟨initial⟩`;
      children.unshift({ id: dot, width: INITIAL_SIZE, height: INITIAL_SIZE });
      edges.push({
        id: `e${n++}`,
        sources: [dot],
        targets: [initial.id],
        label: '',
        initial: true,
      });
    }
    return {
      id: state.id,
      children,
      layoutOptions: {
        'elk.padding': `[top=${header + 6},left=${PAD},bottom=${PAD},right=${PAD}]`,
        'elk.nodeSize.minimum': `(${Math.ceil(textWidth + 2 * PAD)}, ${header + 20})`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
      },
    };
  };

  return { node: toNode(root), edges, states };
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

/** Items joined by `, ` in lines of about {@link WRAP} characters, the first with `prefix`. */
function wrap(prefix: string, items: string[]): string[] {
  const out: string[] = [];
  let line = prefix;
  for (const [i, item] of items.entries()) {
    const piece = i < items.length - 1 ? `${item}, ` : item;
    if (line.trim() !== prefix.trim() && line.length + piece.length > WRAP) {
      out.push(line.trimEnd());
      line = '   ';
    }
    line += piece;
  }
  if (items.length > 0) out.push(line);
  return out;
}

/** Where a transition written as a line goes: nowhere (targetless), itself, or named states. */
function lineTarget(state: ChartState, targets: string[], states: Built['states']): string {
  if (targets.length === 0) return '';
  if (targets.every((id) => id === state.id)) return ' ↻';
  return ` → ${targets.map((id) => states.get(id)?.state.key ?? id).join(', ')}`;
}

const labelOf = (text: string): ElkLabel => ({
  text,
  width: Math.ceil(text.length * LINE_CHAR + 6),
  height: LINE_H + 2,
});

function read(graph: ElkNode, built: Built): ChartLayout {
  const states: LaidState[] = [];
  const dots: Box[] = [];
  const visit = (node: ElkNode) => {
    const box = {
      x: node.x ?? 0,
      y: node.y ?? 0,
      width: node.width ?? 0,
      height: node.height ?? 0,
    };
    const info = built.states.get(node.id);
    if (info) states.push({ ...box, state: info.state, depth: info.depth, lines: info.lines });
    else if (node.id.endsWith('⟨initial⟩')) dots.push(box);
    for (const child of node.children ?? []) visit(child);
  };
  for (const child of graph.children ?? []) visit(child);

  const byId = new Map(built.edges.map((e) => [e.id, e]));
  const edges: LaidEdge[] = [];
  for (const e of (graph.edges ?? []) as ElkExtendedEdge[]) {
    const source = byId.get(e.id);
    if (!source) continue;
    const points = (e.sections ?? []).flatMap((s) => [
      s.startPoint,
      ...(s.bendPoints ?? []),
      s.endPoint,
    ]);
    const l = e.labels?.[0];
    edges.push({
      source: source.initial ? '' : (e.sources[0] ?? ''),
      target: e.targets[0] ?? '',
      label: source.label,
      points,
      initial: source.initial,
      ...(l && source.label
        ? { labelBox: { x: l.x ?? 0, y: l.y ?? 0, width: l.width ?? 0, height: l.height ?? 0 } }
        : {}),
    });
  }
  return { width: graph.width ?? 0, height: graph.height ?? 0, states, edges, dots };
}
