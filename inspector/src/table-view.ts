/**
 * The table of every supervisor and service, as Erlang Observer's process table: one row per
 * node of ours, columns for state, generation, failures, restarts, iterations per second, mean
 * and p99 iteration time and the last error. A click on a column's heading sorts by it (again:
 * the other way); the tree's filter box filters it too. It is redrawn at most twice a second
 * while shown, and not at all while hidden; rows are kept per node and written cell by cell.
 */

import { kindFigure, rateText } from '../../src/core/service-kind.ts';
import type { InspectorNode } from '../../src/inspector/protocol.ts';
import { h, type Slot, slot, writeAttr, writeText } from './dom.ts';

/** At most one redraw per this many ms (the figures change every second at most). */
const REDRAW = 500;

/** One column: its heading, the cell text, and the value it sorts by. */
interface Column {
  readonly key: string;
  readonly label: string;
  readonly numeric: boolean;
  text(n: InspectorNode): string;
  sort(n: InspectorNode): number | string;
}

const ms = (v: number | undefined) =>
  v === undefined ? '' : `${v < 10 ? v.toFixed(2) : Math.round(v)} ms`;
const name = (n: InspectorNode) => (n.path && n.path.length > 0 ? n.path.join('/') : n.id);
const num = (v: number | undefined) => v ?? -1;

const COLUMNS: readonly Column[] = [
  { key: 'name', label: 'Name', numeric: false, text: name, sort: name },
  {
    key: 'kind',
    label: 'Kind',
    numeric: false,
    text: (n) => kindFigure(n)?.kind ?? n.kind,
    sort: (n) => kindFigure(n)?.kind ?? n.kind,
  },
  { key: 'state', label: 'State', numeric: false, text: (n) => n.state, sort: (n) => n.state },
  {
    key: 'generation',
    label: 'Gen',
    numeric: true,
    text: (n) => String(n.generation ?? ''),
    sort: (n) => num(n.generation),
  },
  {
    key: 'failures',
    label: 'Failures',
    numeric: true,
    text: (n) => String(n.failures ?? ''),
    sort: (n) => num(n.failures),
  },
  {
    key: 'restarts',
    label: 'Restarts',
    numeric: true,
    text: (n) => (n.restartCount === undefined ? '' : String(n.restartCount)),
    sort: (n) => num(n.restartCount),
  },
  {
    key: 'rate',
    label: 'It/s',
    numeric: true,
    text: (n) => (n.rate === undefined ? '' : rateText(n.rate)),
    sort: (n) => num(n.rate),
  },
  {
    key: 'mean',
    label: 'Mean',
    numeric: true,
    text: (n) => ms(n.meanMs),
    sort: (n) => num(n.meanMs),
  },
  { key: 'p99', label: 'p99', numeric: true, text: (n) => ms(n.p99Ms), sort: (n) => num(n.p99Ms) },
  {
    key: 'error',
    label: 'Last error',
    numeric: false,
    text: (n) => n.lastError?.message.split('\n')[0] ?? '',
    sort: (n) => n.lastError?.message ?? '',
  },
];

interface TableRow {
  readonly el: HTMLTableRowElement;
  readonly cells: HTMLTableCellElement[];
  readonly texts: Slot[];
  readonly state: Slot;
  readonly selected: Slot;
}

/** What the table asks of its owner. */
export interface TableViewOptions {
  onSelect(key: string): void;
}

/**
 * The table panel.
 *
 * @example
 * ```ts
 * const table = new TableView(container, store.nodes, { onSelect: select });
 * table.setShown(true);
 * ```
 */
export class TableView {
  readonly el: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly heads = new Map<string, HTMLElement>();
  private readonly rows = new Map<string, TableRow>();
  private readonly nodes: ReadonlyMap<string, InspectorNode>;
  private sortKey = 'name';
  private descending = false;
  private filter = '';
  private selected: string | null = null;
  private shown = false;
  private last = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    el: HTMLElement,
    nodes: ReadonlyMap<string, InspectorNode>,
    options: TableViewOptions,
  ) {
    this.el = el;
    this.nodes = nodes;
    const headRow = h('tr');
    for (const c of COLUMNS) {
      const button = h(
        'button',
        { type: 'button', class: 'sort', 'data-testid': `sort-${c.key}` },
        c.label,
      );
      button.addEventListener('click', () => this.sortBy(c.key));
      const th = h(
        'th',
        { scope: 'col', 'data-col': c.key, class: c.numeric ? 'num' : null },
        button,
      );
      this.heads.set(c.key, th);
      headRow.append(th);
    }
    this.body = h('tbody');
    this.body.addEventListener('click', (e) => {
      const tr = (e.target as Element).closest('tr');
      const key = tr?.getAttribute('data-key');
      if (key) options.onSelect(key);
    });
    el.append(
      h(
        'table',
        { class: 'service-table', 'data-testid': 'service-table' },
        h('thead', null, headRow),
        this.body,
      ),
    );
    this.writeSortMarks();
  }

  /** Shows or hides it (hidden, it draws nothing). */
  setShown(shown: boolean): void {
    this.shown = shown;
    this.el.hidden = !shown;
    if (shown) this.draw();
  }

  /** Keeps only rows whose name contains `text` (case-insensitive). */
  setFilter(text: string): void {
    this.filter = text.trim().toLowerCase();
    if (this.shown) this.draw();
  }

  /** Marks the selected node's row. */
  select(key: string | null): void {
    this.selected = key;
    if (this.shown) this.draw();
  }

  /** Sorts by the column `key`; the same column again turns the order round. */
  sortBy(key: string): void {
    if (this.sortKey === key) this.descending = !this.descending;
    else {
      this.sortKey = key;
      this.descending = COLUMNS.find((c) => c.key === key)?.numeric ?? false;
    }
    this.writeSortMarks();
    this.draw();
  }

  /** Something changed: redraws within {@link REDRAW} ms, if shown. */
  changed(): void {
    if (!this.shown || this.timer !== undefined) return;
    const wait = Math.max(0, this.last + REDRAW - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
  }

  private writeSortMarks(): void {
    for (const [key, th] of this.heads) {
      const sort = key === this.sortKey ? (this.descending ? 'descending' : 'ascending') : 'none';
      th.setAttribute('aria-sort', sort);
    }
  }

  private draw(): void {
    if (!this.shown) return;
    this.last = performance.now();
    const column = COLUMNS.find((c) => c.key === this.sortKey) ?? COLUMNS[0]!;
    const list: Array<{ node: InspectorNode; by: number | string }> = [];
    for (const node of this.nodes.values()) {
      if (node.kind === 'actor' && node.generation === undefined) continue;
      if (this.filter && !name(node).toLowerCase().includes(this.filter)) continue;
      list.push({ node, by: column.sort(node) });
    }
    const sign = this.descending ? -1 : 1;
    list.sort((a, b) => {
      const order = a.by < b.by ? -1 : a.by > b.by ? 1 : name(a.node) < name(b.node) ? -1 : 1;
      return a.by === b.by ? order : sign * order;
    });
    const seen = new Set<string>();
    let before: ChildNode | null = this.body.firstChild;
    for (const { node } of list) {
      seen.add(node.key);
      let row = this.rows.get(node.key);
      if (!row) {
        const cells = COLUMNS.map((c) =>
          h('td', { class: c.numeric ? 'num' : null, 'data-col': c.key }),
        );
        const el = h('tr', { 'data-key': node.key, tabindex: '-1' }, ...cells);
        row = { el, cells, texts: cells.map(() => slot()), state: slot(), selected: slot() };
        this.rows.set(node.key, row);
      }
      writeAttr(row.el, 'data-state', row.state, node.state);
      writeAttr(row.el, 'aria-selected', row.selected, node.key === this.selected ? 'true' : null);
      for (const [i, c] of COLUMNS.entries()) writeText(row.cells[i]!, row.texts[i]!, c.text(node));
      if (row.el === before) before = before.nextSibling;
      else this.body.insertBefore(row.el, before);
    }
    for (const [key, row] of this.rows) {
      if (!seen.has(key)) {
        row.el.remove();
        this.rows.delete(key);
      }
    }
  }
}
