/**
 * Draws a machine's statechart as SVG: a box per state (compound ones around their children),
 * an arrow per transition labelled with its event and `[guard]`, a dot for each initial state,
 * and the active state(s) highlighted. The drawing is made once per selection; a new `value`
 * only moves the highlight (class changes on existing elements).
 */
import type { ChartState, MachineChart } from '../../src/inspector/protocol.ts';
import {
  type ChartLayout,
  type LaidEdge,
  type LaidState,
  LINE_SIZE,
  layoutChart,
  TITLE_SIZE,
} from './chart-layout.ts';
import { h, s } from './dom.ts';

interface Drawn {
  readonly machine: MachineChart;
  readonly states: Map<string, SVGGElement>;
  readonly edges: { el: SVGGElement; source: string }[];
}

/**
 * The statechart of the selected node.
 *
 * @example
 * ```ts
 * const chart = new ChartView(container);
 * chart.show(store.machines.get(node.machine ?? ''), node.value);
 * chart.highlight(node.value); // later, when only the value changed
 * ```
 */
export class ChartView {
  private drawn: Drawn | null = null;
  private wanted: MachineChart | undefined;
  private value: unknown;
  private valueText = '';

  private readonly container: HTMLElement;

  constructor(container: HTMLElement) {
    this.container = container;
    // Click to see the chart at its real size (scrolling), click again to fit it.
    container.addEventListener('click', () => container.classList.toggle('chart-full'));
    // The keyboard too: Tab to the chart, Enter or Space zooms in or out (then arrows scroll).
    container.tabIndex = 0;
    container.setAttribute('role', 'button');
    container.setAttribute('aria-label', 'Statechart: press Enter to zoom in or out');
    container.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      container.classList.toggle('chart-full');
      container.setAttribute('aria-pressed', String(container.classList.contains('chart-full')));
    });
  }

  /** Shows a machine's chart (or nothing), highlighting `value`. */
  show(machine: MachineChart | undefined, value: unknown): void {
    this.value = value;
    if (machine === this.wanted) {
      this.highlight(value);
      return;
    }
    this.wanted = machine;
    this.drawn = null;
    this.valueText = '';
    this.container.replaceChildren();
    if (!machine) return;
    this.container.append(h('p', { class: 'muted' }, 'Laying out…'));
    layoutChart(machine).then(
      (layout) => {
        if (this.wanted !== machine) return; // Another node was selected meanwhile.
        this.drawn = draw(this.container, machine, layout);
        this.highlight(this.value);
      },
      (error: unknown) => {
        if (this.wanted !== machine) return;
        const message = error instanceof Error ? error.message : String(error);
        this.container.replaceChildren(
          h('p', { class: 'error' }, `Could not lay out the chart: ${message}`),
        );
      },
    );
  }

  /** Moves the highlight to the state(s) of `value`. */
  highlight(value: unknown): void {
    this.value = value;
    const drawn = this.drawn;
    if (!drawn) return;
    const text = JSON.stringify(value) ?? '';
    if (text === this.valueText) return;
    this.valueText = text;
    const active = activeStates(drawn.machine.root, value);
    for (const [id, el] of drawn.states) el.classList.toggle('active', active.has(id));
    for (const edge of drawn.edges) edge.el.classList.toggle('live', active.has(edge.source));
  }
}

/**
 * The ids of the states a `value` names (and their ancestors), following keys down the chart:
 * `'idle'`, `{ running: 'looping' }`, `{ p: { a: 'x', b: 'y' } }`.
 */
export function activeStates(root: ChartState, value: unknown): Set<string> {
  const out = new Set<string>([root.id]);
  const visit = (state: ChartState, v: unknown) => {
    if (typeof v === 'string') {
      const child = state.states.find((c) => c.key === v);
      if (child) out.add(child.id);
    } else if (v && typeof v === 'object') {
      for (const [key, sub] of Object.entries(v)) {
        const child = state.states.find((c) => c.key === key);
        if (!child) continue;
        out.add(child.id);
        visit(child, sub);
      }
    }
  };
  visit(root, value);
  return out;
}

function draw(container: HTMLElement, machine: MachineChart, layout: ChartLayout): Drawn {
  const svg = s('svg', {
    class: 'chart-svg',
    viewBox: `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`,
    width: Math.ceil(layout.width),
    height: Math.ceil(layout.height),
    role: 'img',
    'aria-label': `Statechart of ${machine.id}`,
    'data-machine': machine.key,
  });
  const arrow = s(
    'marker',
    {
      id: 'chart-arrow',
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    },
    s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }),
  );
  svg.append(s('defs', null, arrow));

  const states = new Map<string, SVGGElement>();
  // Parents before children, so a compound's box lies under its children.
  for (const laid of [...layout.states].sort((a, b) => a.depth - b.depth)) {
    const g = drawState(laid);
    states.set(laid.state.id, g);
    svg.append(g);
  }
  for (const dot of layout.dots)
    svg.append(
      s('circle', {
        class: 'initial-dot',
        cx: dot.x + dot.width / 2,
        cy: dot.y + dot.height / 2,
        r: dot.width / 2,
      }),
    );
  const edges: Drawn['edges'] = [];
  for (const edge of layout.edges) {
    const g = drawEdge(edge);
    svg.append(g);
    if (!edge.initial) edges.push({ el: g, source: edge.source });
  }
  container.replaceChildren(svg);
  return { machine, states, edges };
}

function drawState(laid: LaidState): SVGGElement {
  const { x, y, width, height, state } = laid;
  const g = s('g', {
    class: `chart-state chart-${state.type}`,
    'data-state-id': state.id,
  });
  g.append(s('rect', { x, y, width, height, rx: 6 }));
  if (state.type === 'final')
    g.append(
      s('rect', {
        class: 'inner',
        x: x + 3,
        y: y + 3,
        width: width - 6,
        height: height - 6,
        rx: 4,
      }),
    );
  const title =
    laid.depth === 0
      ? `${state.key}  (machine)`
      : state.type === 'history'
        ? `H ${state.key}`
        : state.key;
  g.append(
    s('text', { class: 'chart-title', x: x + 10, y: y + 16, 'font-size': TITLE_SIZE }, title),
  );
  laid.lines.forEach((line, i) => {
    g.append(
      s(
        'text',
        { class: 'chart-line', x: x + 10, y: y + 31 + i * 13, 'font-size': LINE_SIZE },
        line,
      ),
    );
  });
  if (state.type === 'compound' || state.type === 'parallel')
    g.append(
      s('line', {
        class: 'chart-rule',
        x1: x,
        x2: x + width,
        y1: y + 22 + laid.lines.length * 13,
        y2: y + 22 + laid.lines.length * 13,
      }),
    );
  return g;
}

function drawEdge(edge: LaidEdge): SVGGElement {
  const g = s('g', {
    class: edge.initial ? 'chart-edge chart-edge-initial' : 'chart-edge',
    'data-source': edge.source,
    'data-target': edge.target,
  });
  const d = edge.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
  g.append(s('path', { d, 'marker-end': 'url(#chart-arrow)' }));
  const box = edge.labelBox;
  if (box) {
    g.append(
      s('rect', {
        class: 'chart-label-bg',
        x: box.x,
        y: box.y,
        width: box.width,
        height: box.height,
        rx: 3,
      }),
    );
    g.append(
      s(
        'text',
        { class: 'chart-label', x: box.x + 3, y: box.y + box.height - 4, 'font-size': LINE_SIZE },
        edge.label,
      ),
    );
  }
  return g;
}
