/**
 * The details panel of the selected node: its fields, command buttons, last error with its
 * stack, options, kind details, statechart and recent events. Built when the selection
 * changes; afterwards a frame rewrites only what changed for that node.
 */
import type { InspectorNode } from '../../src/inspector/protocol.ts';
import { ChartView } from './chart-view.ts';
import { ControlPanel } from './control-panel.ts';
import { h, type Slot, slot, writeText } from './dom.ts';
import { EventBox } from './event-box.ts';
import { LineChart } from './line-chart.ts';
import { clock, duration, eventLabel, limit, pathText } from './node-text.ts';
import { renderSequence } from './sequence-view.ts';
import { type Changes, HISTORY_KEPT, type InspectorStore, type NodeHistory } from './store.ts';
import type { TokenForm } from './token-form.ts';

/** The fields: label and how to write the value (empty hides it). */
const FIELDS: readonly [string, (n: InspectorNode, store: InspectorStore) => string][] = [
  ['kind', (n) => n.kind],
  ['state', (n) => n.state],
  ['status', (n) => n.status],
  [
    'value',
    (n) => (n.value === undefined || typeof n.value === 'string' ? '' : JSON.stringify(n.value)),
  ],
  ['path', (n) => (n.path ? pathText(n.path) : '')],
  ['parent', (n, store) => (n.parent === null ? '' : (store.nodes.get(n.parent)?.id ?? n.parent))],
  ['generation', (n) => (n.generation === undefined ? '' : String(n.generation))],
  ['iterations', (n) => (n.iterations === undefined ? '' : String(n.iterations))],
  [
    'failures',
    (n) =>
      n.kind === 'service'
        ? `${n.failures ?? 0} / ${limit(n.maxFailures)}`
        : n.failures
          ? String(n.failures)
          : '',
  ],
  ['strategy', (n) => n.strategy ?? ''],
  [
    'restarts',
    (n) => (n.kind === 'supervisor' ? `${n.restarts ?? 0} / ${limit(n.maxRestarts)}` : ''),
  ],
  ['window', (n) => (n.restartWindow === undefined ? '' : duration(n.restartWindow))],
  ['restart', (n) => n.restart ?? ''],
  ['key', (n) => n.key],
];

/** The sparklines of a service, in order. */
const SPARKS: ReadonlyArray<[keyof Omit<NodeHistory, 'last'>, string]> = [
  ['rate', 'Iterations / s'],
  ['mean', 'Mean iteration, ms'],
  ['failures', 'Failures / s'],
  ['queued', 'Queued'],
  ['throughput', 'Handled / s'],
];

interface Open {
  readonly key: string;
  readonly title: HTMLElement;
  readonly stateBadge: HTMLElement;
  readonly slots: Record<'title' | 'state' | 'options' | 'details' | 'context', Slot>;
  readonly fields: { row: HTMLElement; value: HTMLElement; text: Slot }[];
  readonly error: HTMLElement;
  readonly options: HTMLElement;
  readonly details: HTMLElement;
  readonly context: HTMLElement;
  readonly events: HTMLElement;
  readonly history: HTMLElement;
  readonly sequence: HTMLElement;
  readonly sparks: Map<keyof Omit<NodeHistory, 'last'>, LineChart>;
  lastError: InspectorNode['lastError'] | null;
}

/**
 * The right-hand panel.
 *
 * @example
 * ```ts
 * const details = new DetailsView(panel, store, tokenForm);
 * details.show(key); // on selection
 * details.render(store.changes); // every frame
 * ```
 */
export class DetailsView {
  private open: Open | null = null;
  private readonly controls: ControlPanel;
  private readonly eventBox: EventBox;
  private readonly chartBox: HTMLElement;
  private readonly chart: ChartView;

  private readonly root: HTMLElement;
  private readonly store: InspectorStore;

  constructor(root: HTMLElement, store: InspectorStore, tokenForm: TokenForm) {
    this.root = root;
    this.store = store;
    this.controls = new ControlPanel(tokenForm);
    this.eventBox = new EventBox(tokenForm);
    this.chartBox = h('div', { class: 'chart', 'data-testid': 'statechart' });
    this.chart = new ChartView(this.chartBox);
    this.show(null);
  }

  /** The key of the node shown, if any. */
  get key(): string | null {
    return this.open?.key ?? null;
  }

  /** Shows the node with this key (or the hint to pick one). */
  show(key: string | null): void {
    const node = key === null ? undefined : this.store.nodes.get(key);
    this.root.dataset.key = node?.key ?? '';
    if (!node) {
      this.open = null;
      this.controls.show(undefined, this.store.control);
      this.eventBox.show(undefined, this.store.control);
      this.chart.show(undefined, undefined);
      this.root.replaceChildren(
        h('p', { class: 'hint' }, 'Select a node in the tree to see its details.'),
      );
      return;
    }
    const title = h('h2', { class: 'details-id' });
    const stateBadge = h('span', { class: 'state-badge' });
    const fields = FIELDS.map(([label]) => {
      const value = h('dd');
      return { row: h('div', null, h('dt', null, label), value), value, text: slot() };
    });
    const open: Open = {
      key: node.key,
      title,
      stateBadge,
      slots: { title: slot(), state: slot(), options: slot(), details: slot(), context: slot() },
      fields,
      error: h('section', { class: 'last-error', 'data-testid': 'last-error' }),
      options: h('pre', { class: 'json', 'data-testid': 'options' }),
      details: h('pre', { class: 'json' }),
      context: h('pre', { class: 'json', 'data-testid': 'context' }),
      events: h('ol', { class: 'events', 'data-testid': 'events' }),
      history: h('div', { class: 'history', 'data-testid': 'history' }),
      sequence: h('ol', { class: 'sequence', 'data-testid': 'sequence' }),
      sparks: new Map(),
      lastError: null,
    };
    if (node.kind === 'service') {
      for (const [name, label] of SPARKS) {
        const chart = new LineChart(`spark-${name}`, `${label}, last 2 minutes`, 'sparkline');
        open.sparks.set(name, chart);
        open.history.append(
          h(
            'figure',
            { class: 'spark', 'data-series': name },
            h('figcaption', null, label),
            chart.el,
          ),
        );
      }
    }
    this.open = open;
    // The head (with the buttons, kept in view as the panel scrolls) and the chart fill the
    // panel's first screen (the chart takes what is left, so it is seen whole); the rest
    // follows as the panel scrolls.
    const chart = h(
      'section',
      { class: 'details-section chart-section' },
      h('div', { class: 'chart-head' }, h('h3', null, 'Statechart'), this.chart.tools),
      this.chartBox,
    );
    this.root.replaceChildren(
      h(
        'div',
        { class: 'details-top' },
        h('div', { class: 'details-head' }, title, stateBadge, this.controls.el),
        chart,
      ),
      h('dl', { class: 'fields', 'data-testid': 'fields' }, ...fields.map((f) => f.row)),
      open.error,
      section('History', open.history),
      this.eventBox.el,
      section('Context', open.context),
      section('Options', open.options),
      section('Details', open.details),
      section('Recent events', open.events),
      section('Sequence (this node and below)', open.sequence),
    );
    this.update(node);
    this.renderEvents(open);
    this.renderHistory(open);
    renderSequence(open.sequence, this.store, open.key);
    this.controls.show(node, this.store.control);
    this.eventBox.show(node, this.store.control);
    this.showChart(node);
  }

  /** Applies a frame's changes to the open node. */
  render(changes: Changes): void {
    const open = this.open;
    if (!open) return;
    const node = this.store.nodes.get(open.key);
    if (!node) return;
    if (changes.all || changes.nodes.has(open.key)) {
      this.update(node);
      this.controls.show(node, this.store.control);
      this.eventBox.show(node, this.store.control);
      this.chart.highlight(node.value);
    }
    if (changes.machines || changes.all) this.showChart(node);
    if (changes.all || changes.storm || changes.events.has(open.key)) this.renderEvents(open);
    if (changes.all || changes.events.size > 0 || changes.structure)
      renderSequence(open.sequence, this.store, open.key);
    if (changes.all || changes.system) this.renderHistory(open);
  }

  /** The service's sparklines; a queue worker's depth and throughput only for queue workers. */
  private renderHistory(open: Open): void {
    open.history.parentElement!.hidden = open.sparks.size === 0;
    const history = this.store.history.get(open.key);
    for (const [name, chart] of open.sparks) {
      const values = history?.[name] ?? [];
      chart.draw([{ name, values }], Math.max(30, Math.min(values.length, HISTORY_KEPT)));
      (chart.el.parentElement as HTMLElement).hidden =
        (name === 'queued' || name === 'throughput') && values.length === 0;
    }
  }

  /** The node's statechart, or no Statechart section for actors that are not machines. */
  private showChart(node: InspectorNode): void {
    const machine = node.machine === undefined ? undefined : this.store.machines.get(node.machine);
    const section = this.chartBox.parentElement!;
    section.hidden = !machine;
    section.parentElement?.classList.toggle('has-chart', machine !== undefined);
    this.chart.show(machine, node.value);
  }

  private update(node: InspectorNode): void {
    const open = this.open!;
    writeText(open.title, open.slots.title, node.id);
    writeText(open.stateBadge, open.slots.state, node.state);
    open.stateBadge.dataset.state = node.state;
    open.stateBadge.dataset.kind = node.kind;
    FIELDS.forEach(([, read], i) => {
      const f = open.fields[i]!;
      const text = read(node, this.store);
      writeText(f.value, f.text, text);
      f.row.hidden = text === '';
    });
    const options = node.options ? JSON.stringify(node.options, null, 2) : '';
    writeText(open.options, open.slots.options, options);
    open.options.parentElement!.hidden = !options;
    const details = node.details ? JSON.stringify(node.details, null, 2) : '';
    writeText(open.details, open.slots.details, details);
    open.details.parentElement!.hidden = !details;
    const context = contextText(node.context);
    writeText(open.context, open.slots.context, context);
    open.context.parentElement!.hidden = !context;
    if ((node.lastError ?? null) !== open.lastError) {
      open.lastError = node.lastError ?? null;
      renderError(open.error, open.lastError);
    }
  }

  private renderEvents(open: Open): void {
    const events = this.store.events.get(open.key) ?? [];
    const items = events
      .slice()
      .reverse()
      .map((e) => {
        const from = e.source ? (this.store.nodes.get(e.source)?.id ?? e.source) : '';
        return h(
          'li',
          null,
          h('time', null, clock(e.at)),
          h('span', { class: 'event-type' }, eventLabel(e.type)),
          from ? h('span', { class: 'muted' }, `from ${from}`) : null,
        );
      });
    if (items.length === 0)
      items.push(h('li', { class: 'muted' }, 'No events seen since the page connected.'));
    if (this.store.eventsPaused)
      items.unshift(
        h('li', { class: 'paused' }, 'Paused while the app is in a storm; the tree stays exact.'),
      );
    open.events.replaceChildren(...items);
  }
}

/** A context as the page shows it: pretty JSON, or the server's text when it was cut. */
function contextText(context: unknown): string {
  if (context === undefined) return '';
  return typeof context === 'string' ? context : JSON.stringify(context, null, 2);
}

function section(title: string, body: HTMLElement): HTMLElement {
  return h('section', { class: 'details-section' }, h('h3', null, title), body);
}

function renderError(el: HTMLElement, error: InspectorNode['lastError'] | null): void {
  el.hidden = !error;
  if (!error) {
    el.replaceChildren();
    return;
  }
  el.replaceChildren(
    h('h3', null, 'Last error ', h('time', { class: 'muted' }, clock(error.at))),
    h('p', { class: 'error-message' }, error.message),
  );
  if (error.stack) el.append(h('pre', { class: 'stack' }, error.stack));
}
