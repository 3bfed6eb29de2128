/**
 * The system panel: the process's figures as Erlang Observer's system tab shows them,
 * event-loop lag (p50, p99, max), heap and RSS, CPU, active handles and restarts per minute,
 * now and as live charts over the last five minutes (one sample a second, while the page is
 * open).
 */
import type { SystemSample } from '../../src/inspector/protocol.ts';
import { h, type Slot, slot, writeText } from './dom.ts';
import { LineChart } from './line-chart.ts';
import { SYSTEM_KEPT } from './store.ts';

const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;
const msText = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;

interface Figure {
  readonly testid: string;
  readonly label: string;
  text(s: SystemSample): string;
}

const FIGURES: readonly Figure[] = [
  {
    testid: 'sys-lag',
    label: 'Event-loop lag',
    text: (s) => `p50 ${msText(s.lagP50)} · p99 ${msText(s.lagP99)} · max ${msText(s.lagMax)}`,
  },
  {
    testid: 'sys-memory',
    label: 'Memory',
    text: (s) => `heap ${mib(s.heapUsed)} · RSS ${mib(s.rss)}`,
  },
  { testid: 'sys-cpu', label: 'CPU', text: (s) => `${s.cpu}%` },
  { testid: 'sys-handles', label: 'Active handles', text: (s) => String(s.handles) },
  { testid: 'sys-restarts', label: 'Restarts / min', text: (s) => String(s.restartsPerMinute) },
];

/**
 * The system panel.
 *
 * @example
 * ```ts
 * const system = new SystemView(panel);
 * system.render(store.system);
 * ```
 */
export class SystemView {
  private readonly values: Array<{ el: HTMLElement; last: Slot }> = [];
  private readonly charts: Record<'lag' | 'memory' | 'cpu' | 'restarts', LineChart> = {
    lag: new LineChart('chart-lag', 'Event-loop lag p99 and max, ms, last 5 minutes'),
    memory: new LineChart('chart-memory', 'Heap and RSS, last 5 minutes'),
    cpu: new LineChart('chart-cpu', 'CPU %, last 5 minutes'),
    restarts: new LineChart('chart-restarts', 'Restarts per minute, last 5 minutes'),
  };

  constructor(el: HTMLElement) {
    const list = h('dl', { class: 'sys-figures' });
    for (const f of FIGURES) {
      const dd = h('dd', { 'data-testid': f.testid }, '–');
      list.append(h('div', null, h('dt', null, f.label), dd));
      this.values.push({ el: dd, last: slot() });
    }
    const chart = (title: string, c: LineChart) =>
      h('figure', { class: 'sys-chart' }, h('figcaption', null, title), c.el);
    el.append(
      h('div', { class: 'panel-head' }, h('h2', null, 'System')),
      h(
        'div',
        { class: 'sys-body' },
        list,
        h(
          'div',
          { class: 'sys-charts' },
          chart('Lag p99 / max', this.charts.lag),
          chart('Heap / RSS', this.charts.memory),
          chart('CPU %', this.charts.cpu),
          chart('Restarts / min', this.charts.restarts),
        ),
      ),
    );
  }

  /** Draws the samples (all of them: at most five minutes' worth). */
  render(samples: readonly SystemSample[]): void {
    // At least a minute wide, so a page just opened does not squeeze its few samples.
    const span = Math.max(60, Math.min(samples.length, SYSTEM_KEPT));
    const last = samples[samples.length - 1];
    if (last)
      for (const [i, f] of FIGURES.entries())
        writeText(this.values[i]!.el, this.values[i]!.last, f.text(last));
    const of = (read: (s: SystemSample) => number) => samples.map(read);
    this.charts.lag.draw(
      [
        { name: 'p99', values: of((s) => s.lagP99) },
        { name: 'max', values: of((s) => s.lagMax) },
      ],
      span,
    );
    this.charts.memory.draw(
      [
        { name: 'heap', values: of((s) => s.heapUsed) },
        { name: 'rss', values: of((s) => s.rss) },
      ],
      span,
    );
    this.charts.cpu.draw([{ name: 'cpu', values: of((s) => s.cpu) }], span);
    this.charts.restarts.draw([{ name: 'restarts', values: of((s) => s.restartsPerMinute) }], span);
  }
}
