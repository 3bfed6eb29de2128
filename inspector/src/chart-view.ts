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
import { type Drawn, draw } from './chart-draw.ts';
import { layoutChart } from './chart-layout.ts';
import { wirePointer, ZOOM_STEP, type ZoomPan } from './chart-zoom.ts';
import { h } from './dom.ts';

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
