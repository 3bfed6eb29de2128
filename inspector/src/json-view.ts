/**
 * A collapsible, bounded JSON browser: objects and arrays are `<details>` elements (closed
 * below the first level), at most {@link MAX_ENTRIES} entries each and {@link MAX_DEPTH}
 * levels drawn; what is left out is counted. Built on demand: a closed branch's children are
 * drawn when it is first opened.
 */
import { h } from './dom.ts';

/** Entries drawn per object or array. */
export const MAX_ENTRIES = 100;
/** Levels drawn. */
export const MAX_DEPTH = 8;

function leaf(value: unknown): HTMLElement {
  const type = value === null ? 'null' : typeof value;
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return h('span', { class: `json-leaf json-${type}` }, text);
}

function branch(label: string | null, value: object, depth: number, open: boolean): HTMLElement {
  const entries = Array.isArray(value)
    ? value.map((v, i) => [String(i), v] as const)
    : Object.entries(value);
  const brackets = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  const summary = h(
    'summary',
    null,
    label === null ? null : h('span', { class: 'json-key' }, `${label}: `),
    `${brackets[0]}${entries.length} ${Array.isArray(value) ? 'items' : 'keys'}${brackets[1]}`,
  );
  const el = h('details', { class: 'json-branch' }, summary);
  let drawn = false;
  const draw = () => {
    if (drawn) return;
    drawn = true;
    const list = h('div', { class: 'json-children' });
    if (depth >= MAX_DEPTH) {
      list.append(h('div', { class: 'muted' }, '… deeper levels not shown'));
    } else {
      for (const [k, v] of entries.slice(0, MAX_ENTRIES)) list.append(node(k, v, depth + 1, false));
      if (entries.length > MAX_ENTRIES)
        list.append(h('div', { class: 'muted' }, `… ${entries.length - MAX_ENTRIES} more`));
    }
    el.append(list);
  };
  el.addEventListener('toggle', draw);
  if (open) {
    el.open = true;
    draw();
  }
  return el;
}

function node(label: string | null, value: unknown, depth: number, open: boolean): HTMLElement {
  if (value !== null && typeof value === 'object') return branch(label, value, depth, open);
  return h(
    'div',
    { class: 'json-row' },
    label === null ? null : h('span', { class: 'json-key' }, `${label}: `),
    leaf(value),
  );
}

/**
 * A browser of `value`, its first level open.
 *
 * @example
 * ```ts
 * panel.append(jsonView({ sql: 'select 1', params: [1, 2] }));
 * ```
 */
export function jsonView(value: unknown): HTMLElement {
  return h('div', { class: 'json-view', 'data-testid': 'json-view' }, node(null, value, 0, true));
}
