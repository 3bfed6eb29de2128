/**
 * Lays out a machine's statechart with elkjs's layered algorithm, hierarchy included: compound
 * states contain their children, and transitions cross levels. The machine's own box is not
 * drawn when it has states (its text is the chart's caption), and a chart whose arrows all join
 * siblings is laid out state by state, its back arrows chosen by the declared order of states,
 * so a lifecycle reads top to bottom. A layout is computed once per machine definition and
 * cached; the active state's highlight is drawn over it without a new layout (see
 * chart-view.ts). Text is measured at the page's size, so a fit at scale 1 reads as the page.
 *
 * elkjs is ~1.6 MB, so it is imported the first time a chart is drawn, not with the page.
 */
import type { ELK, ElkExtendedEdge, ElkLabel, ElkNode } from 'elkjs/lib/elk-api';
import type { ChartState, MachineChart } from '../../src/inspector/protocol.ts';
import {
  chartText,
  LINE_H,
  LINE_SIZE,
  type StateText,
  TITLE_SIZE,
  textWidth,
  titleOf,
} from './chart-text.ts';

export { LINE_H, LINE_SIZE, TITLE_SIZE } from './chart-text.ts';

/** Height of a state's title row. */
export const TITLE_H = 24;
/** Inner margin of a state's text. */
export const PAD = 10;
const INITIAL_SIZE = 10;

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
  /** `entry / …`, `exit / …`, `invoke …`, `on …`, and transitions that leave no arrow. */
  readonly lines: string[];
}

/** One arrow: the transitions from a state to one target, or an initial marker to its state. */
export interface LaidEdge {
  readonly source: string;
  readonly target: string;
  /** One line per transition the arrow stands for (none for an initial marker). */
  readonly labels: string[];
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
  /** The machine's title and lines, when its own box is not drawn (it has states). */
  readonly caption?: { readonly title: string; readonly lines: string[] };
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

/** The layered layout's options, for the whole chart. */
const OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.direction': 'DOWN',
  'elk.json.shapeCoords': 'ROOT',
  'elk.json.edgeCoords': 'ROOT',
  'elk.padding': '[top=8,left=8,bottom=8,right=8]',
  'elk.spacing.nodeNode': '20',
  'elk.layered.spacing.nodeNodeBetweenLayers': '8',
  'elk.layered.spacing.edgeNodeBetweenLayers': '4',
  'elk.spacing.edgeLabel': '3',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
};

/** What every compound state lays out its children with (ELK reads these per parent). */
const INNER_KEYS = [
  'elk.direction',
  'elk.edgeRouting',
  'elk.layered.considerModelOrder.strategy',
  'elk.spacing.nodeNode',
  'elk.layered.spacing.nodeNodeBetweenLayers',
  'elk.spacing.edgeLabel',
  'elk.spacing.edgeNode',
  'elk.spacing.edgeEdge',
  'elk.layered.spacing.edgeNodeBetweenLayers',
  'elk.layered.spacing.edgeEdgeBetweenLayers',
  'elk.layered.nodePlacement.strategy',
];
const INNER = Object.fromEntries(
  INNER_KEYS.filter((k) => k in OPTIONS).map((k) => [k, OPTIONS[k]!]),
);

/** The declared order of states says which arrows go back (a supervisor's restart loops). */
const ORDER = { 'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER' };

async function compute(chart: MachineChart): Promise<ChartLayout> {
  elk ??= import('elkjs/lib/elk.bundled.js').then(({ default: ELK }) => new ELK());
  const engine = await elk;
  // The machine's own box is left out when it has states: it is always active, and its text
  // goes in the caption above the chart, so the chart keeps its room for the states.
  const open = chart.root.states.length > 0;
  const layout = (built: Built) =>
    engine.layout({
      id: '⟨graph⟩',
      layoutOptions: {
        ...OPTIONS,
        // Arrows that all stay among siblings let each state lay out its own children, where
        // cycle breaking by declared order works; arrows across levels need the whole tree
        // (where elkjs fails on that cycle breaking).
        'elk.hierarchyHandling': built.flat ? 'SEPARATE_CHILDREN' : 'INCLUDE_CHILDREN',
        ...(built.flat ? ORDER : {}),
      },
      children: open ? (built.node.children ?? []) : [built.node],
      edges: built.flat ? (open ? (built.node.edges ?? []) : []) : built.edges,
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
  const root = built.states.get(chart.root.id);
  return {
    ...read(result, built),
    ...(open && root ? { caption: { title: titleOf(chart.root, 0), lines: root.lines } } : {}),
  };
}

interface Built {
  node: ElkNode;
  edges: (ElkExtendedEdge & { labelLines: string[]; initial: boolean })[];
  states: Map<string, StateText>;
  /** Whether every arrow joins two children of one state (placed in that state's edges). */
  flat: boolean;
}

/** The ELK graph of a chart; `nestedAsLines` writes arrows to a state's own kin as lines. */
function build(root: ChartState, nestedAsLines: boolean): Built {
  const { states, arrows } = chartText(root, nestedAsLines);
  let n = 0;
  const edges: Built['edges'] = arrows.map((a) => ({
    id: `e${n++}`,
    sources: [a.source],
    targets: [a.target],
    labelLines: a.labels,
    initial: false,
    labels: [labelOf(a.labels)],
  }));

  const toNode = (state: ChartState): ElkNode => {
    const info = states.get(state.id)!;
    const textW = Math.max(
      textWidth(titleOf(state, info.depth), TITLE_SIZE, true),
      ...info.lines.map((l) => textWidth(l, LINE_SIZE)),
    );
    const header = TITLE_H + info.lines.length * LINE_H;
    if (state.states.length === 0)
      return {
        id: state.id,
        width: Math.max(72, Math.ceil(textW + 2 * PAD)),
        height: header + 8,
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
        labelLines: [],
        initial: true,
      });
    }
    return {
      id: state.id,
      children,
      layoutOptions: {
        ...INNER,
        'elk.padding': `[top=${header + 10},left=${PAD},bottom=${PAD},right=${PAD}]`,
        'elk.nodeSize.minimum': `(${Math.ceil(textW + 2 * PAD)}, ${header + 20})`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
      },
    };
  };

  const node = toNode(root);
  const parentOf = (id: string) =>
    id.endsWith('⟨initial⟩') ? id.slice(0, -'⟨initial⟩'.length) : states.get(id)?.parent;
  const flat = edges.every((e) => parentOf(e.sources[0]!) === parentOf(e.targets[0]!));
  if (flat) {
    const byId = new Map<string, ElkNode>();
    const index = (n: ElkNode) => {
      byId.set(n.id, n);
      if (n.children?.length) n.layoutOptions = { ...n.layoutOptions, ...ORDER };
      for (const c of n.children ?? []) index(c);
    };
    index(node);
    for (const e of edges) {
      const parent = byId.get(parentOf(e.sources[0]!) ?? '');
      if (parent) parent.edges = [...(parent.edges ?? []), e];
    }
  }
  return { node, edges, states, flat };
}

const labelOf = (lines: string[]): ElkLabel => ({
  text: lines.join('\n'),
  width: Math.ceil(Math.max(...lines.map((l) => textWidth(l, LINE_SIZE))) + 8),
  height: lines.length * LINE_H + 4,
});

function read(graph: ElkNode, built: Built): Omit<ChartLayout, 'caption'> {
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
  const all: ElkExtendedEdge[] = [];
  const gather = (n: ElkNode) => {
    all.push(...((n.edges ?? []) as ElkExtendedEdge[]));
    for (const c of n.children ?? []) gather(c);
  };
  gather(graph);
  for (const e of all) {
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
      labels: source.labelLines,
      points,
      initial: source.initial,
      ...(l && source.labelLines.length > 0
        ? { labelBox: { x: l.x ?? 0, y: l.y ?? 0, width: l.width ?? 0, height: l.height ?? 0 } }
        : {}),
    });
  }
  return { width: graph.width ?? 0, height: graph.height ?? 0, states, edges, dots };
}
