/**
 * One row of the tree: its DOM, and the writers that put a node's fields and place into it,
 * each through a {@link Slot}, so rewriting an unchanged value touches nothing.
 */

import { kindFigure } from '../../src/core/service-kind.ts';
import type { InspectorNode } from '../../src/inspector/protocol.ts';
import { h, type Slot, slot, writeAttr, writeText } from './dom.ts';
import { figures, generationText } from './node-text.ts';

/** A row's height in px; style.css's `.node` has the same. */
export const ROW = 24;

/** A node's place in the tree, whether or not its row is drawn. */
export interface Line {
  readonly key: string;
  identity: string;
  search: string;
  depth: number;
  parent: Line | null;
  hasChildren: boolean;
  hidden: boolean;
}

/** What a row remembers writing, one slot per attribute. */
const SLOTS = [
  'kind',
  'serviceKind',
  'state',
  'status',
  'gen',
  'path',
  'testid',
  'place',
  'expanded',
  'level',
  'title',
] as const;

/** A drawn row. */
export interface Row {
  readonly el: HTMLElement;
  readonly cells: readonly HTMLElement[];
  readonly texts: readonly Slot[];
  readonly slots: Record<(typeof SLOTS)[number], Slot>;
  flashing: boolean;
}

/** A new, empty row for the node `key` (filled by {@link fill}, placed by {@link place}). */
export function createRow(key: string, selected: boolean): Row {
  const cells = ['node-id', 'node-badge', 'node-state', 'node-gen', 'node-key', 'node-figs'].map(
    (c) => h('span', { class: c }),
  );
  const el = h(
    'div',
    {
      class: 'node',
      role: 'treeitem',
      id: `node-${key.replace(/[^\w-]/g, '_')}`,
      'data-key': key,
      'aria-selected': selected ? 'true' : null,
    },
    h('span', { class: 'node-toggle', 'aria-hidden': 'true' }),
    ...cells,
  );
  const slots = {} as Row['slots'];
  for (const name of SLOTS) slots[name] = slot();
  return { el, cells, texts: cells.map(() => slot()), slots, flashing: false };
}

/** Writes a row's position, depth and open state. */
export function place(row: Row, line: Line, index: number, closed: boolean): void {
  const { el, slots } = row;
  writeAttr(
    el,
    'style',
    slots.place,
    `transform:translateY(${index * ROW}px);--depth:${line.depth}`,
  );
  writeAttr(el, 'aria-level', slots.level, String(line.depth + 1));
  writeAttr(el, 'aria-expanded', slots.expanded, line.hasChildren ? String(!closed) : null);
  writeAttr(el, 'title', slots.title, line.identity);
}

/** Writes a node's fields into its row; unchanged ones cost nothing. */
export function fill(row: Row, node: InspectorNode): void {
  const { el, slots, cells, texts } = row;
  writeAttr(el, 'data-kind', slots.kind, node.kind);
  writeAttr(el, 'data-state', slots.state, node.state);
  writeAttr(el, 'data-status', slots.status, node.status);
  const gen = node.generation === undefined ? null : String(node.generation);
  writeAttr(el, 'data-generation', slots.gen, gen);
  writeAttr(el, 'data-path', slots.path, node.path ? node.path.join('/') : null);
  const name = node.path && node.path.length > 0 ? node.path.join('/') : node.id;
  writeAttr(el, 'data-testid', slots.testid, `node-${name}`);
  const kind = kindFigure(node);
  writeAttr(el, 'data-service-kind', slots.serviceKind, kind ? kind.kind : null);
  const values = [
    node.id,
    kind ? kind.kind : node.kind === 'supervisor' ? 'sup' : '',
    node.state,
    generationText(node),
    kind ? kind.figure : '',
    figures(node).join('  ·  '),
  ];
  for (const [i, text] of values.entries()) writeText(cells[i]!, texts[i]!, text);
}
