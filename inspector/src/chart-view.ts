/**
 * Draws a machine's statechart as SVG: a box per state (compound ones around their children),
 * an arrow per pair of states labelled with its events and `[guard]`s, a dot for each initial
 * state, and the active state(s) highlighted. The drawing is made once per selection; a new
 * `value` only moves the highlight (class changes on existing elements).
 *
 * The chart is fitted to its box (and again when the box is resized) until the user zooms
 * (wheel, the + and − buttons, the + and - keys) or pans (drag, arrow keys); the Fit button or
 * `0` fits it again, and Enter zooms in from the fitted view or fits a zoomed one.
 */
import type { ChartState, MachineChart } from '../../src/inspector/protocol.ts';
import {
  type ChartLayout,
  type LaidEdge,
  type LaidState,
  LINE_H,
  LINE_SIZE,
  layoutChart,
  PAD,
  TITLE_H,
  TITLE_SIZE,
  titleOf,
} from './chart-layout.ts';
import { wirePointer, ZOOM_STEP, ZoomPan } from './chart-zoom.ts';
import { h, s } from './dom.ts';

interface Drawn {
  readonly machine: MachineChart;
  readonly states: Map<string, SVGGElement>;
  readonly edges: { el: SVGGElement; source: string }[];
  readonly view: ZoomPan;
}

const HELP =
  'Statechart: + and - zoom, arrow keys pan, 0 fits it to the panel, Enter zooms in or fits';

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
  /** Enter was pressed before the chart was drawn: zoom in once it is. */
  private zoomWhenDrawn = false;
  private valueText = '';

  private readonly container: HTMLElement;
  /** Where the drawing (or a message) goes. */
  private readonly stage: HTMLElement;
  /** The machine's own title and lines, above its states. */
  private readonly caption: HTMLElement;
  /** The zoom buttons (−, +, Fit), for the caller to place beside the chart. */
  readonly tools: HTMLElement;

  constructor(container: HTMLElement) {
    this.container = container;
    this.stage = h('div', { class: 'chart-stage' });
    this.caption = h('div', { class: 'chart-caption', hidden: true });
    const button = (id: string, label: string, text: string, act: (v: ZoomPan) => void) => {
      const b = h(
        'button',
        { type: 'button', 'data-testid': id, 'aria-label': label, title: label },
        text,
      );
      b.addEventListener('click', () => {
        if (this.drawn) act(this.drawn.view);
      });
      return b;
    };
    this.tools = h(
      'div',
      { class: 'chart-tools', role: 'toolbar', 'aria-label': 'Statechart zoom' },
      button('chart-zoom-out', 'Zoom out', '−', (v) => v.zoomBy(1 / ZOOM_STEP)),
      button('chart-zoom-in', 'Zoom in', '+', (v) => v.zoomBy(ZOOM_STEP)),
      button('chart-fit', 'Fit the chart to the panel', 'Fit', (v) => v.fit()),
    );
    container.replaceChildren(this.caption, this.stage);
    wirePointer(container, () => this.drawn?.view ?? null);
    // The keyboard: Tab to the chart, then keys zoom and pan (see the file's comment).
    container.tabIndex = 0;
    container.setAttribute('role', 'group');
    container.setAttribute('aria-label', HELP);
    container.setAttribute(
      'aria-keyshortcuts',
      '+ - 0 Enter ArrowUp ArrowDown ArrowLeft ArrowRight',
    );
    container.addEventListener('keydown', (e) => {
      if (e.target !== container || e.altKey || e.ctrlKey || e.metaKey) return;
      const view = this.drawn?.view;
      if (e.key === 'Enter' || e.key === ' ') {
        // Before the layout is done, the wish is kept and applied once it is drawn.
        if (!view) {
          this.zoomWhenDrawn = !this.zoomWhenDrawn;
          this.setFitted(!this.zoomWhenDrawn);
        } else if (view.fitted) view.zoomBy(2);
        else view.fit();
      } else if (!view?.key(e)) return;
      e.preventDefault();
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
    this.drawn?.view.dispose();
    this.drawn = null;
    this.valueText = '';
    this.zoomWhenDrawn = false;
    this.setFitted(true);
    this.stage.replaceChildren();
    this.caption.replaceChildren();
    this.caption.hidden = true;
    if (!machine) return;
    this.stage.append(h('p', { class: 'muted' }, 'Laying out…'));
    layoutChart(machine).then(
      (layout) => {
        if (this.wanted !== machine) return; // Another node was selected meanwhile.
        if (layout.caption) {
          this.caption.replaceChildren(
            h('span', { class: 'chart-caption-title' }, layout.caption.title),
            ...captionEntries(layout.caption.lines).map((entry) => ` · ${entry}`),
          );
          this.caption.hidden = false;
        }
        this.drawn = draw(this.stage, machine, layout, (fitted) => this.setFitted(fitted));
        this.drawn.view.fit();
        if (this.zoomWhenDrawn) this.drawn.view.zoomBy(2);
        this.zoomWhenDrawn = false;
        this.highlight(this.value);
      },
      (error: unknown) => {
        if (this.wanted !== machine) return;
        const message = error instanceof Error ? error.message : String(error);
        this.stage.replaceChildren(
          h('p', { class: 'error' }, `Could not lay out the chart: ${message}`),
        );
      },
    );
  }

  /** `chart-full` while zoomed or panned away from the fitted view; the scale for tests. */
  private setFitted(fitted: boolean): void {
    this.container.classList.toggle('chart-full', !fitted);
    this.container.dataset.fitted = String(fitted);
    const zoom = this.drawn?.view.zoom;
    if (zoom === undefined) delete this.container.dataset.zoom;
    else this.container.dataset.zoom = zoom.toFixed(3);
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
 * The caption's entries: the machine's lines, unwrapped (a line indented by the wrapping goes on
 * the entry before it), for the browser to wrap at the panel's width.
 */
function captionEntries(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (line.startsWith(' ') && out.length > 0) out[out.length - 1] += ` ${line.trim()}`;
    else out.push(line);
  }
  return out;
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

function draw(
  stage: HTMLElement,
  machine: MachineChart,
  layout: ChartLayout,
  onView: (fitted: boolean) => void,
): Drawn {
  const svg = s('svg', {
    class: 'chart-svg',
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
  const group = s('g', { class: 'chart-viewport' });
  svg.append(group);

  const states = new Map<string, SVGGElement>();
  // Parents before children, so a compound's box lies under its children.
  for (const laid of [...layout.states].sort((a, b) => a.depth - b.depth)) {
    const g = drawState(laid);
    states.set(laid.state.id, g);
    group.append(g);
  }
  for (const dot of layout.dots)
    group.append(
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
    group.append(g);
    if (!edge.initial) edges.push({ el: g, source: edge.source });
  }
  stage.replaceChildren(svg);
  const size = { width: Math.ceil(layout.width), height: Math.ceil(layout.height) };
  const view = new ZoomPan(stage, group, () => size, onView);
  return { machine, states, edges, view };
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
  g.append(
    s(
      'text',
      { class: 'chart-title', x: x + PAD, y: y + 17, 'font-size': TITLE_SIZE },
      titleOf(state, laid.depth),
    ),
  );
  laid.lines.forEach((line, i) => {
    g.append(
      s(
        'text',
        {
          class: 'chart-line',
          x: x + PAD,
          y: y + TITLE_H + 13 + i * LINE_H,
          'font-size': LINE_SIZE,
        },
        line,
      ),
    );
  });
  const rule = y + TITLE_H + 4 + laid.lines.length * LINE_H;
  if (state.type === 'compound' || state.type === 'parallel')
    g.append(s('line', { class: 'chart-rule', x1: x, x2: x + width, y1: rule, y2: rule }));
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
    edge.labels.forEach((label, i) => {
      g.append(
        s(
          'text',
          {
            class: 'chart-label',
            x: box.x + 4,
            y: box.y + 2 + (i + 1) * LINE_H - 4,
            'font-size': LINE_SIZE,
          },
          label,
        ),
      );
    });
  }
  return g;
}
