/**
 * The tree of supervisors, services and other actors, drawn as a virtual list: every node has a
 * line in the model (its place, depth, visibility), but only the rows in view, plus a margin,
 * exist in the DOM. A row is keyed by its node's key, created when it scrolls into view and
 * then updated field by field, so a frame of a restart storm among 1,000 services writes a few
 * dozen rows at most.
 *
 * Collapsing is remembered by a node's identity (its ids from the top, `root/workers/mailer`),
 * not its key, so it survives a node being replaced by a new actor of the same id.
 */
import type { InspectorNode } from '../../src/inspector/protocol.ts';
import { h } from './dom.ts';
import type { Changes, InspectorStore } from './store.ts';
import { createRow, fill, type Line, place, ROW, type Row } from './tree-row.ts';

/** Rows drawn above and below the visible ones, so a scroll rarely shows a gap. */
const MARGIN = 12;

/** What the tree asks of its owner. */
export interface TreeViewOptions {
  onSelect(key: string): void;
}

const FLASH: Keyframe[] = [
  { backgroundColor: 'rgba(255, 200, 0, 0.6)' },
  { backgroundColor: 'rgba(255, 200, 0, 0)' },
];

/**
 * The tree panel.
 *
 * @example
 * ```ts
 * const tree = new TreeView(scroller, store, { onSelect: (key) => select(key) });
 * requestAnimationFrame(() => tree.render(store.changes));
 * ```
 */
export class TreeView {
  private readonly list: HTMLElement;
  private readonly store: InspectorStore;
  private readonly options: TreeViewOptions;
  private readonly sizer: HTMLElement;
  private readonly lines = new Map<string, Line>();
  private readonly byIdentity = new Map<string, string>();
  private readonly collapsed = new Set<string>();
  private readonly rows = new Map<string, Row>();
  /** Lines in tree order, and the ones not hidden (what the list shows). */
  private order: Line[] = [];
  private shown: Line[] = [];
  private filter = '';
  private selected: string | null = null;
  private scrollTop = 0;
  private height = 0;
  private frame = 0;

  constructor(list: HTMLElement, store: InspectorStore, options: TreeViewOptions) {
    this.list = list;
    this.store = store;
    this.options = options;
    this.sizer = h('div', { class: 'tree-sizer' });
    list.append(this.sizer);
    list.addEventListener('click', (e) => this.onClick(e));
    list.addEventListener('keydown', (e) => this.onKey(e));
    // Scroll and size are read when they change, never in a frame after DOM writes.
    list.addEventListener('scroll', () => {
      this.scrollTop = list.scrollTop;
      this.redrawSoon();
    });
    new ResizeObserver(() => {
      this.height = list.clientHeight;
      this.redrawSoon();
    }).observe(list);
  }

  /** Draws what changed since the last frame. */
  render(changes: Changes): void {
    if (changes.all) {
      for (const row of this.rows.values()) row.el.remove();
      this.rows.clear();
      this.lines.clear();
    }
    if (changes.all || changes.structure) this.restructure();
    this.draw(changes.all ? null : changes.nodes);
    // A flash is motion: none for those who asked for less.
    const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    for (const key of still ? [] : changes.generationUp) {
      const row = this.rows.get(key);
      if (!row || row.flashing) continue;
      row.flashing = true;
      row.el.animate(FLASH, { duration: 700, easing: 'ease-out' }).onfinish = () => {
        row.flashing = false;
      };
    }
  }

  /** The key of the node with this identity now, if any. */
  keyOf(identity: string): string | undefined {
    return this.byIdentity.get(identity);
  }

  /** A node's identity: its ids from the top joined by `/`. */
  identityOf(key: string): string | undefined {
    return this.lines.get(key)?.identity;
  }

  /** Marks the selected row; `reveal` opens its ancestors and scrolls it into view. */
  select(key: string | null, reveal = false): void {
    if (this.selected !== key) {
      if (this.selected !== null) this.rows.get(this.selected)?.el.removeAttribute('aria-selected');
      if (key !== null) this.rows.get(key)?.el.setAttribute('aria-selected', 'true');
      this.selected = key;
      this.writeActive();
    }
    const line = key === null ? undefined : this.lines.get(key);
    if (!line || !reveal) return;
    let opened = false;
    for (let up = line.parent; up; up = up.parent)
      opened = this.collapsed.delete(up.identity) || opened;
    if (opened) this.applyVisibility();
    this.scrollTo(line);
  }

  /** Shows only nodes whose identity or path contains `text` (and their ancestors). */
  setFilter(text: string): void {
    const filter = text.trim().toLowerCase();
    if (filter === this.filter) return;
    this.filter = filter;
    this.applyVisibility();
  }

  private restructure(): void {
    const nodes = this.store.nodes;
    const kids = new Map<string | null, InspectorNode[]>();
    for (const node of nodes.values()) {
      // A node whose parent is unknown (not sent, or gone) shows at the top, not nowhere.
      const parent = node.parent !== null && nodes.has(node.parent) ? node.parent : null;
      const list = kids.get(parent);
      if (list) list.push(node);
      else kids.set(parent, [node]);
    }
    for (const list of kids.values()) list.sort(byOrder);

    const order: Line[] = [];
    this.byIdentity.clear();
    const walk = (parentKey: string | null, parent: Line | null, depth: number) => {
      for (const node of kids.get(parentKey) ?? []) {
        let line = this.lines.get(node.key);
        if (!line) {
          line = {
            key: node.key,
            identity: '',
            search: '',
            depth,
            parent,
            hasChildren: false,
            hidden: false,
          };
          this.lines.set(node.key, line);
        }
        line.identity = parent ? `${parent.identity}/${node.id}` : node.id;
        line.search = `${line.identity}\n${(node.path ?? []).join('/')}`.toLowerCase();
        line.depth = depth;
        line.parent = parent;
        line.hasChildren = kids.has(node.key);
        this.byIdentity.set(line.identity, node.key);
        order.push(line);
        walk(node.key, line, depth + 1);
      }
    };
    walk(null, null, 0);
    if (order.length !== this.lines.size) {
      const live = new Set(order);
      for (const [key, line] of this.lines) if (!live.has(line)) this.lines.delete(key);
    }
    this.order = order;
    this.applyVisibility();
  }

  /** Recomputes which lines show (filter, collapsed branches) and redraws. */
  private applyVisibility(): void {
    const filter = this.filter;
    let matched: Set<Line> | null = null;
    if (filter) {
      matched = new Set();
      for (const line of this.order) {
        if (!line.search.includes(filter)) continue;
        for (let l: Line | null = line; l && !matched.has(l); l = l.parent) matched.add(l);
      }
    }
    const shown: Line[] = [];
    let collapsedAt = -1;
    for (const line of this.order) {
      if (collapsedAt >= 0 && line.depth <= collapsedAt) collapsedAt = -1;
      line.hidden = matched ? !matched.has(line) : collapsedAt >= 0;
      if (!line.hidden) shown.push(line);
      if (!matched && collapsedAt < 0 && this.collapsed.has(line.identity))
        collapsedAt = line.depth;
    }
    this.shown = shown;
    this.sizer.style.height = `${shown.length * ROW}px`;
    this.draw(new Set());
  }

  /**
   * Puts the rows in view in place: new ones created and filled, gone ones removed, and the
   * rest refilled only when their node is in `changed` (`null`: all of them).
   */
  private draw(changed: ReadonlySet<string> | null): void {
    const first = Math.max(0, Math.floor(this.scrollTop / ROW) - MARGIN);
    const end = Math.min(
      this.shown.length,
      Math.ceil((this.scrollTop + this.height) / ROW) + MARGIN,
    );
    const inView = new Set<string>();
    for (let i = first; i < end; i++) {
      const line = this.shown[i]!;
      const node = this.store.nodes.get(line.key);
      if (!node) continue;
      inView.add(line.key);
      let row = this.rows.get(line.key);
      if (!row) {
        row = createRow(line.key, line.key === this.selected);
        this.rows.set(line.key, row);
        this.list.append(row.el);
        fill(row, node);
      } else if (changed === null || changed.has(line.key)) fill(row, node);
      place(row, line, i, this.collapsed.has(line.identity) && !this.filter);
    }
    if (inView.size !== this.rows.size) {
      for (const [key, row] of this.rows) {
        if (inView.has(key)) continue;
        row.el.remove();
        this.rows.delete(key);
      }
    }
    this.writeActive();
  }

  /** `aria-activedescendant`: the selected row's id while that row exists, none otherwise. */
  private writeActive(): void {
    const row = this.selected === null ? undefined : this.rows.get(this.selected);
    const id = row ? row.el.id : '';
    if ((this.list.getAttribute('aria-activedescendant') ?? '') === id) return;
    if (id) this.list.setAttribute('aria-activedescendant', id);
    else this.list.removeAttribute('aria-activedescendant');
  }

  private redrawSoon(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw(new Set());
    });
  }

  private scrollTo(line: Line): void {
    const top = this.shown.indexOf(line) * ROW;
    if (top < 0) return;
    let scroll = this.scrollTop;
    if (top < scroll) scroll = top;
    else if (top + ROW > scroll + this.height) scroll = top + ROW - this.height;
    if (scroll !== this.scrollTop) {
      this.list.scrollTop = scroll;
      this.scrollTop = scroll;
    }
    this.draw(new Set());
  }

  private lineOf(target: EventTarget | null): Line | undefined {
    const el = target instanceof Element ? target.closest<HTMLElement>('[data-key]') : null;
    return el?.dataset.key === undefined ? undefined : this.lines.get(el.dataset.key);
  }

  private onClick(e: MouseEvent): void {
    const line = this.lineOf(e.target);
    if (!line) return;
    if (e.target instanceof Element && e.target.closest('.node-toggle')) this.toggle(line);
    else this.options.onSelect(line.key);
  }

  private toggle(line: Line, open?: boolean): void {
    if (!line.hasChildren) return;
    const isOpen = !this.collapsed.has(line.identity);
    if (open === isOpen) return;
    if (isOpen) this.collapsed.add(line.identity);
    else this.collapsed.delete(line.identity);
    this.applyVisibility();
  }

  private onKey(e: KeyboardEvent): void {
    const shown = this.shown;
    if (shown.length === 0) return;
    const current = this.selected === null ? undefined : this.lines.get(this.selected);
    const at = current ? shown.indexOf(current) : -1;
    let next: Line | undefined;
    if (e.key === 'ArrowDown') next = shown[Math.min(shown.length - 1, at + 1)];
    else if (e.key === 'ArrowUp') next = shown[Math.max(0, at - 1)];
    else if (e.key === 'Home') next = shown[0];
    else if (e.key === 'End') next = shown.at(-1);
    else if (current && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      const closed = this.collapsed.has(current.identity);
      if (e.key === 'ArrowLeft' && (!current.hasChildren || closed))
        next = current.parent ?? undefined;
      else this.toggle(current, e.key === 'ArrowRight');
    } else return;
    e.preventDefault();
    if (next && next !== current) {
      this.options.onSelect(next.key);
      this.scrollTo(next);
    }
  }
}

function byOrder(a: InspectorNode, b: InspectorNode): number {
  return a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
