/**
 * A small live line chart in SVG: one or more series over a time window, scaled to the
 * largest value in view. Used by the system panel (and, small, for sparklines). It keeps its
 * elements and rewrites only their `points`; `data-max` and `data-last` carry what it shows,
 * so a test can read the chart without reading pixels.
 */
import { s } from './dom.ts';

/** One line: its name (a CSS class `series-<name>`) and its values. */
export interface Series {
  readonly name: string;
  readonly values: readonly number[];
}

const W = 300;
const H = 60;

/**
 * A chart of `W`×`H` user units that stretches to its box.
 *
 * @example
 * ```ts
 * const chart = new LineChart('lag', 'Event-loop lag, ms');
 * chart.draw([{ name: 'p99', values: [1, 2, 200, 3] }], 300);
 * ```
 */
export class LineChart {
  readonly el: SVGSVGElement;
  private readonly lines = new Map<string, SVGPolylineElement>();

  constructor(testid: string, label: string, className = 'line-chart') {
    this.el = s('svg', {
      class: className,
      viewBox: `0 0 ${W} ${H}`,
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-label': label,
      'data-testid': testid,
    });
  }

  /** Draws the last `window` values of each series, right-aligned (the newest at the right). */
  draw(series: readonly Series[], window: number): void {
    let max = 0;
    for (const one of series) for (const v of one.values.slice(-window)) if (v > max) max = v;
    const top = max > 0 ? max * 1.1 : 1;
    for (const one of series) {
      let line = this.lines.get(one.name);
      if (!line) {
        line = s('polyline', { class: `series series-${one.name}`, fill: 'none' });
        this.lines.set(one.name, line);
        this.el.append(line);
      }
      const values = one.values.slice(-window);
      const step = window > 1 ? W / (window - 1) : W;
      const x0 = W - (values.length - 1) * step;
      const points = values
        .map((v, i) => `${(x0 + i * step).toFixed(1)},${(H - (v / top) * (H - 2) - 1).toFixed(1)}`)
        .join(' ');
      line.setAttribute('points', points);
    }
    this.el.setAttribute('data-max', String(max));
    const first = series[0]?.values;
    this.el.setAttribute('data-last', String(first?.length ? first[first.length - 1] : ''));
    this.el.setAttribute('data-count', String(first ? Math.min(first.length, window) : 0));
  }
}
