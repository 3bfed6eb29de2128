/**
 * The SVG of a laid-out statechart: a box per state (compound ones around their children, the
 * title and lines inside), an arrow per pair of states with a line of label per event, a dot
 * per initial state; all in one group whose transform is the view's zoom and pan.
 */
import type { MachineChart } from '../../src/inspector/protocol.ts';
import {
  type ChartLayout,
  type LaidEdge,
  type LaidState,
  LINE_H,
  LINE_SIZE,
  PAD,
  TITLE_H,
  TITLE_SIZE,
} from './chart-layout.ts';
import { titleOf } from './chart-text.ts';
import { ZoomPan } from './chart-zoom.ts';
import { s } from './dom.ts';

/** A drawn chart: its states' and arrows' elements (for the highlight) and its view. */
export interface Drawn {
  readonly machine: MachineChart;
  readonly states: Map<string, SVGGElement>;
  readonly edges: { el: SVGGElement; source: string }[];
  readonly view: ZoomPan;
}

/**
 * Draws `layout` into `stage` (replacing what was there), with a view fitted to the stage that
 * calls `onView` after each change.
 *
 * @example
 * ```ts
 * const drawn = draw(stage, machine, await layoutChart(machine), (fitted) => {});
 * drawn.view.fit();
 * ```
 */
export function draw(
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
