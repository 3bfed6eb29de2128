/**
 * The tree of supervisors, services and other actors: one DOM row per node, keyed by its key,
 * created once and then updated field by field. A frame with 1,000 nodes and three changes
 * writes three rows; only a change of structure (a node came, went or moved) reorders rows,
 * and even then moves only the rows out of place.
 *
 * Collapsing is remembered by a node's identity (its ids from the top, `root/workers/mailer`),
 * not its key, so it survives a node being replaced by a new actor of the same id.
 */
import type { InspectorNode } from '../../src/inspector/protocol.ts';
import { h, type Slot, slot, writeAttr, writeText } from './dom.ts';
import { figures, generationText } from './node-text.ts';
import type { Changes, InspectorStore } from './store.ts';

interface Row {
  readonly key: string;
  readonly el: HTMLElement;
  readonly toggle: HTMLElement;
  readonly cells: readonly [
    id: HTMLElement,
    state: HTMLElement,
    gen: HTMLElement,
    figs: HTMLElement,
  ];
  readonly slots: Record<
    'kind' | 'state' | 'status' | 'gen' | 'path' | 'testid' | 'depth' | 'expanded' | 'title',
    Slot
  >;
  readonly texts: readonly [Slot, Slot, Slot, Slot];
  identity: string;
  search: string;
  depth: number;
  parent: Row | null;
  hasChildren: boolean;
  hidden: boolean;
  flashing: boolean;
}

/** What the tree asks of its owner. */
export interface TreeViewOptions {
  onSelect(key: string, origin: 'click' | 'key'): void;
}

const FLASH: Keyframe[] = [
  { backgroundColor: 'rgba(255, 200, 0, 0.6)' },
  { backgroundColor: 'rgba(255, 200, 0, 0)' },
];

/**
 * The tree panel's rows.
 *
 * @example
 * ```ts
 * const tree = new TreeView(listElement, store, { onSelect: (key) => select(key) });
 * requestAnimationFrame(() => tree.render(store.changes));
 * ```
 */
export class TreeView {
  private readonly rows = new Map<string, Row>();
  private order: Row[] = [];
  private readonly byIdentity = new Map<string, string>();
  private readonly collapsed = new Set<string>();
  private filter = '';
  private selected: Row | null = null;

  private readonly list: HTMLElement;
  private readonly store: InspectorStore;
  private readonly options: TreeViewOptions;

  constructor(list: HTMLElement, store: InspectorStore, options: TreeViewOptions) {
    this.list = list;
    this.store = store;
    this.options = options;
    list.addEventListener('click', (e) => this.onClick(e));
    list.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Draws what changed since the last frame. */
  render(changes: Changes): void {
    if (changes.all) {
      for (const row of this.rows.values()) row.el.remove();
      this.rows.clear();
      this.selected = null;
    }
    if (changes.all || changes.structure) this.restructure();
    const keys = changes.all ? this.store.nodes.keys() : changes.nodes;
    for (const key of keys) {
      const row = this.rows.get(key);
      const node = this.store.nodes.get(key);
      if (row && node) fill(row, node);
    }
    for (const key of changes.generationUp) {
      const row = this.rows.get(key);
      if (row && !row.hidden && !row.flashing) {
        row.flashing = true;
        row.el.animate(FLASH, { duration: 700, easing: 'ease-out' }).onfinish = () => {
          row.flashing = false;
        };
      }
    }
  }

  /** The key of the node with this identity now, if any. */
  keyOf(identity: string): string | undefined {
    return this.byIdentity.get(identity);
  }

  /** A node's identity: its ids from the top joined by `/`. */
  identityOf(key: string): string | undefined {
    return this.rows.get(key)?.identity;
  }

  /** Marks the selected row (and scrolls it into view when asked). */
  select(key: string | null, reveal = false): void {
    const row = key === null ? null : (this.rows.get(key) ?? null);
    if (this.selected !== row) {
      this.selected?.el.removeAttribute('aria-selected');
      row?.el.setAttribute('aria-selected', 'true');
      this.selected = row;
    }
    if (row && reveal) {
      let up = row.parent;
      let opened = false;
      while (up) {
        opened = this.collapsed.delete(up.identity) || opened;
        up = up.parent;
      }
      if (opened) this.applyVisibility();
      row.el.scrollIntoView({ block: 'nearest' });
    }
  }

  /** Shows only nodes whose identity contains `text` (and their ancestors). */
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

    const order: Row[] = [];
    this.byIdentity.clear();
    const walk = (parentKey: string | null, parent: Row | null, depth: number) => {
      for (const node of kids.get(parentKey) ?? []) {
        let row = this.rows.get(node.key);
        if (!row) {
          row = createRow(node);
          this.rows.set(node.key, row);
        }
        row.identity = parent ? `${parent.identity}/${node.id}` : node.id;
        row.search = `${row.identity.toLowerCase()}\n${(node.path ?? []).join('/').toLowerCase()}`;
        row.depth = depth;
        row.parent = parent;
        row.hasChildren = kids.has(node.key);
        this.byIdentity.set(row.identity, node.key);
        order.push(row);
        walk(node.key, row, depth + 1);
      }
    };
    walk(null, null, 0);

    const live = new Set(order);
    for (const [key, row] of this.rows) {
      if (live.has(row)) continue;
      row.el.remove();
      this.rows.delete(key);
      if (this.selected === row) this.selected = null;
    }
    // Move only the rows out of place: appending a node costs one insert, not a rebuild.
    let cursor = this.list.firstElementChild;
    for (const row of order) {
      if (row.el === cursor) cursor = cursor.nextElementSibling;
      else this.list.insertBefore(row.el, cursor);
      writeAttr(row.el, 'style', row.slots.depth, `--depth:${row.depth}`);
      writeAttr(row.el, 'title', row.slots.title, row.identity);
    }
    this.order = order;
    this.applyVisibility();
  }

  private applyVisibility(): void {
    const filter = this.filter;
    let shown: Set<Row> | null = null;
    if (filter) {
      shown = new Set();
      for (const row of this.order) {
        if (!row.search.includes(filter)) continue;
        for (let r: Row | null = row; r && !shown.has(r); r = r.parent) shown.add(r);
      }
    }
    let collapsedAt = -1;
    for (const row of this.order) {
      if (collapsedAt >= 0 && row.depth <= collapsedAt) collapsedAt = -1;
      const hidden = shown ? !shown.has(row) : collapsedAt >= 0;
      if (row.hidden !== hidden) {
        row.hidden = hidden;
        row.el.hidden = hidden;
      }
      const closed = !shown && this.collapsed.has(row.identity);
      writeAttr(
        row.el,
        'aria-expanded',
        row.slots.expanded,
        row.hasChildren ? String(!closed) : null,
      );
      if (closed && collapsedAt < 0) collapsedAt = row.depth;
    }
  }

  private rowOf(target: EventTarget | null): Row | undefined {
    const el = target instanceof Element ? target.closest<HTMLElement>('[data-key]') : null;
    return el?.dataset.key === undefined ? undefined : this.rows.get(el.dataset.key);
  }

  private onClick(e: MouseEvent): void {
    const row = this.rowOf(e.target);
    if (!row) return;
    if (e.target instanceof Element && e.target.closest('.node-toggle')) {
      this.toggle(row);
      return;
    }
    this.options.onSelect(row.key, 'click');
  }

  private toggle(row: Row, open?: boolean): void {
    if (!row.hasChildren) return;
    const isOpen = !this.collapsed.has(row.identity);
    if (open === isOpen) return;
    if (isOpen) this.collapsed.add(row.identity);
    else this.collapsed.delete(row.identity);
    this.applyVisibility();
  }

  private onKey(e: KeyboardEvent): void {
    const current = this.selected;
    const visible = this.order.filter((r) => !r.hidden);
    if (visible.length === 0) return;
    const at = current ? visible.indexOf(current) : -1;
    let next: Row | undefined;
    if (e.key === 'ArrowDown') next = visible[Math.min(visible.length - 1, at + 1)];
    else if (e.key === 'ArrowUp') next = visible[Math.max(0, at - 1)];
    else if (e.key === 'Home') next = visible[0];
    else if (e.key === 'End') next = visible.at(-1);
    else if (current && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      if (e.key === 'ArrowLeft' && (!current.hasChildren || this.collapsed.has(current.identity)))
        next = current.parent ?? undefined;
      else this.toggle(current, e.key === 'ArrowRight');
    } else return;
    e.preventDefault();
    if (next && next !== current) {
      this.options.onSelect(next.key, 'key');
      next.el.scrollIntoView({ block: 'nearest' });
    }
  }
}

function byOrder(a: InspectorNode, b: InspectorNode): number {
  return a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function createRow(node: InspectorNode): Row {
  const toggle = h('span', { class: 'node-toggle', 'aria-hidden': 'true' });
  const cells = [
    h('span', { class: 'node-id' }),
    h('span', { class: 'node-state' }),
    h('span', { class: 'node-gen' }),
    h('span', { class: 'node-figs' }),
  ] as const;
  const el = h('div', { class: 'node', role: 'treeitem', 'data-key': node.key }, toggle, ...cells);
  const row: Row = {
    key: node.key,
    el,
    toggle,
    cells,
    slots: {
      kind: slot(),
      state: slot(),
      status: slot(),
      gen: slot(),
      path: slot(),
      testid: slot(),
      depth: slot(),
      expanded: slot(),
      title: slot(),
    },
    texts: [slot(), slot(), slot(), slot()],
    identity: node.id,
    search: '',
    depth: 0,
    parent: null,
    hasChildren: false,
    hidden: false,
    flashing: false,
  };
  fill(row, node);
  return row;
}

/** Writes a node's fields into its row; unchanged ones cost nothing. */
function fill(row: Row, node: InspectorNode): void {
  const { el, slots, cells, texts } = row;
  writeAttr(el, 'data-kind', slots.kind, node.kind);
  writeAttr(el, 'data-state', slots.state, node.state);
  writeAttr(el, 'data-status', slots.status, node.status);
  writeAttr(
    el,
    'data-generation',
    slots.gen,
    node.generation === undefined ? null : String(node.generation),
  );
  writeAttr(el, 'data-path', slots.path, node.path ? node.path.join('/') : null);
  const name = node.path && node.path.length > 0 ? node.path.join('/') : node.id;
  writeAttr(el, 'data-testid', slots.testid, `node-${name}`);
  writeText(cells[0], texts[0], node.id);
  writeText(cells[1], texts[1], node.state);
  writeText(cells[2], texts[2], generationText(node));
  writeText(cells[3], texts[3], figures(node).join('  ·  '));
}
