/**
 * The timeline of supervisor reports, newest first, at most {@link TIMELINE_ROWS} rows in the
 * DOM: new reports are prepended and the oldest rows dropped, so a restart storm costs a few
 * rows per frame. Filters: by report type, and "only the selected node" (and what is below it).
 */
import type { InspectorNode, TimelineEntry } from '../../src/inspector/protocol.ts';
import { h } from './dom.ts';
import { clock, pathText, reportLabel } from './node-text.ts';
import { type Changes, type InspectorStore, TIMELINE_ROWS } from './store.ts';

/** The shortest time between two draws of new reports, in ms. */
const TIMELINE_PERIOD = 250;

const TYPES: TimelineEntry['type'][] = [
  'child.started',
  'child.failed',
  'child.restarted',
  'child.stopped',
  'child.killed',
  'supervisor.intensity-exceeded',
];

/** What the timeline asks of its owner. */
export interface TimelineViewOptions {
  onSelect(entry: TimelineEntry): void;
}

/**
 * The bottom panel.
 *
 * @example
 * ```ts
 * const timeline = new TimelineView(panel, store, { onSelect: (entry) => selectEntry(entry) });
 * timeline.render(store.changes); // every frame
 * ```
 */
export class TimelineView {
  private readonly list: HTMLOListElement;
  private readonly typeFilter: HTMLSelectElement;
  private readonly onlySelected: HTMLInputElement;
  private readonly count: HTMLElement;
  private selected: InspectorNode | undefined;
  private readonly entries = new WeakMap<Element, TimelineEntry>();
  /** Reports not drawn yet, oldest first. */
  private pending: TimelineEntry[] = [];
  private drawnAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  private readonly store: InspectorStore;
  private readonly options: TimelineViewOptions;

  constructor(root: HTMLElement, store: InspectorStore, options: TimelineViewOptions) {
    this.store = store;
    this.options = options;
    this.typeFilter = h(
      'select',
      { 'aria-label': 'Report type', 'data-testid': 'timeline-type' },
      h('option', { value: '' }, 'all reports'),
      ...TYPES.map((t) => h('option', { value: t }, reportLabel(t))),
    );
    this.onlySelected = h('input', { type: 'checkbox', 'data-testid': 'timeline-only-selected' });
    this.count = h('span', { class: 'muted', 'data-testid': 'timeline-count' });
    this.list = h('ol', { class: 'timeline', 'data-testid': 'timeline' });
    root.append(
      h(
        'div',
        { class: 'panel-head' },
        h('h2', null, 'Timeline'),
        this.typeFilter,
        h('label', { class: 'check' }, this.onlySelected, ' only the selected node'),
        this.count,
      ),
      this.list,
    );
    this.typeFilter.addEventListener('change', () => this.rebuild());
    this.onlySelected.addEventListener('change', () => this.rebuild());
    this.list.addEventListener('click', (e) => {
      const li = e.target instanceof Element ? e.target.closest('li') : null;
      const entry = li ? this.entries.get(li) : undefined;
      if (entry) this.options.onSelect(entry);
    });
    // One Tab stop: the list; arrows move among the reports, Enter or Space selects one's node.
    this.list.tabIndex = 0;
    this.list.addEventListener('keydown', (e) => {
      const at = document.activeElement;
      const li = at instanceof HTMLLIElement && at.parentElement === this.list ? at : null;
      let next: Element | null = null;
      if (e.key === 'ArrowDown') next = li ? li.nextElementSibling : this.list.firstElementChild;
      else if (e.key === 'ArrowUp') next = li?.previousElementSibling ?? null;
      else if (e.key === 'Home') next = this.list.firstElementChild;
      else if (e.key === 'End') next = this.list.lastElementChild;
      else if ((e.key === 'Enter' || e.key === ' ') && li) {
        const entry = this.entries.get(li);
        if (entry) this.options.onSelect(entry);
        e.preventDefault();
        return;
      } else return;
      e.preventDefault();
      if (next instanceof HTMLElement) next.focus();
    });
  }

  /** The node "only the selected node" filters by. */
  setSelected(node: InspectorNode | undefined): void {
    const before = this.selected;
    this.selected = node;
    if (this.onlySelected.checked && before?.key !== node?.key) this.rebuild();
  }

  /**
   * Takes the reports that arrived since the last frame (or redraws after a snapshot). New rows
   * are drawn at most every {@link TIMELINE_PERIOD} ms: a restart storm's reports come in
   * bursts nobody reads at 60 a second, and each burst shifts every row below it.
   */
  render(changes: Changes): void {
    if (changes.all) {
      this.pending = [];
      this.rebuild();
      return;
    }
    if (changes.storm) this.renderCount();
    if (changes.timeline.length === 0) return;
    this.pending.push(...changes.timeline);
    if (this.pending.length > TIMELINE_ROWS) this.pending = this.pending.slice(-TIMELINE_ROWS);
    const wait = this.drawnAt + TIMELINE_PERIOD - performance.now();
    if (wait <= 0) this.prepend();
    else if (this.timer === undefined)
      this.timer = setTimeout(() => requestAnimationFrame(() => this.prepend()), wait);
  }

  private prepend(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.drawnAt = performance.now();
    const fresh = this.pending.filter((e) => this.matches(e));
    this.pending = [];
    if (fresh.length > 0) {
      const rows = document.createDocumentFragment();
      for (let i = fresh.length - 1; i >= 0; i--) rows.append(this.row(fresh[i]!));
      this.list.prepend(rows);
      while (this.list.childElementCount > TIMELINE_ROWS) this.list.lastElementChild!.remove();
    }
    this.renderCount();
  }

  private rebuild(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    this.drawnAt = performance.now();
    const rows: HTMLElement[] = [];
    const all = this.store.timeline;
    for (let i = all.length - 1; i >= 0 && rows.length < TIMELINE_ROWS; i--) {
      const entry = all[i]!;
      if (this.matches(entry)) rows.push(this.row(entry));
    }
    this.list.replaceChildren(...rows);
    this.renderCount();
  }

  private renderCount(): void {
    const n = this.store.timeline.length;
    const shown = n > TIMELINE_ROWS ? ` (the latest ${TIMELINE_ROWS} listed)` : '';
    const skipped = this.store.timelineSkipped;
    const gap = skipped > 0 ? `; ${skipped} left out during storms` : '';
    this.count.textContent = `${n} report${n === 1 ? '' : 's'}${shown}${gap}`;
  }

  private matches(entry: TimelineEntry): boolean {
    if (this.typeFilter.value && entry.type !== this.typeFilter.value) return false;
    if (!this.onlySelected.checked) return true;
    const node = this.selected;
    if (!node) return false;
    if (entry.key !== null && entry.key === node.key) return true;
    // The node and what is below it: reports whose path starts with the node's path.
    if (!node.path) return false;
    const path = node.path;
    return path.length <= entry.path.length && path.every((id, i) => entry.path[i] === id);
  }

  private row(entry: TimelineEntry): HTMLElement {
    const li = h(
      'li',
      {
        class: 'report',
        tabindex: '-1',
        'data-type': entry.type,
        'data-seq': entry.seq,
        'data-key': entry.key ?? '',
      },
      h('time', null, clock(entry.at)),
      h('span', { class: 'badge', 'data-type': entry.type }, reportLabel(entry.type)),
      h('span', { class: 'report-path' }, pathText(entry.path)),
      h('span', { class: 'report-gen' }, `gen ${entry.generation}`),
      entry.restarts === undefined
        ? null
        : h('span', { class: 'muted' }, `restarts ${entry.restarts}`),
      entry.reason === undefined
        ? null
        : h(
            'span',
            { class: 'report-reason', title: entry.error?.stack ?? entry.reason },
            entry.reason,
          ),
    );
    this.entries.set(li, entry);
    return li;
  }
}
