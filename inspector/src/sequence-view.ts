/**
 * The sequence view of the selected node's subtree: the events its actors received, oldest
 * first, each as "sender → receiver: type" (who sent what to whom, in order), with the event's
 * payload in a collapsible JSON browser. Drawn from the recent events the page keeps (the
 * last 30 per actor, while the page is open), at most {@link SEQUENCE_ROWS} rows.
 */
import type { InspectorNode, NodeEvent } from '../../src/inspector/protocol.ts';
import { h } from './dom.ts';
import { jsonView } from './json-view.ts';
import { clock, eventLabel } from './node-text.ts';
import type { InspectorStore } from './store.ts';

/** Rows drawn: the newest of the subtree's events. */
export const SEQUENCE_ROWS = 60;

/** The keys of `key` and every node below it. */
function subtree(store: InspectorStore, key: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const n of store.nodes.values()) {
    if (n.parent === null) continue;
    let list = children.get(n.parent);
    if (!list) {
      list = [];
      children.set(n.parent, list);
    }
    list.push(n.key);
  }
  const out = new Set<string>([key]);
  const stack = [key];
  while (stack.length)
    for (const c of children.get(stack.pop()!) ?? [])
      if (!out.has(c)) {
        out.add(c);
        stack.push(c);
      }
  return out;
}

const nameOf = (store: InspectorStore, key: string | undefined): string => {
  if (key === undefined) return '(outside)';
  const n: InspectorNode | undefined = store.nodes.get(key);
  return n ? n.id : '(gone)';
};

/**
 * Draws the sequence of the subtree under `key` into `el`.
 *
 * @example
 * ```ts
 * renderSequence(section, store, selectedKey);
 * ```
 */
export function renderSequence(el: HTMLElement, store: InspectorStore, key: string): void {
  const keys = subtree(store, key);
  const events: NodeEvent[] = [];
  for (const k of keys) events.push(...(store.events.get(k) ?? []));
  events.sort((a, b) => a.seq - b.seq);
  const shown = events.slice(-SEQUENCE_ROWS);
  // Keep the rows whose payload the reader opened: rebuild only the ones not yet drawn.
  const have = new Map<string, HTMLElement>();
  for (const li of el.querySelectorAll<HTMLElement>(':scope > li[data-seq]'))
    have.set(li.dataset.seq!, li);
  const rows = shown.map((e) => {
    const old = have.get(String(e.seq));
    if (old) return old;
    const line = [
      h('time', null, clock(e.at)),
      h('span', { class: 'seq-from' }, nameOf(store, e.source)),
      h('span', { class: 'seq-arrow', 'aria-hidden': 'true' }, '→'),
      h('span', { class: 'seq-to' }, nameOf(store, e.key)),
      h('span', { class: 'event-type' }, eventLabel(e.type)),
    ];
    const attrs = { class: 'seq-row', 'data-seq': e.seq, 'data-type': e.type };
    if (e.payload === undefined) return h('li', attrs, h('div', { class: 'seq-line' }, ...line));
    return h(
      'li',
      attrs,
      h(
        'details',
        { class: 'seq-payload' },
        h('summary', { class: 'seq-line' }, ...line),
        typeof e.payload === 'string'
          ? h('pre', { class: 'json' }, e.payload)
          : jsonView(e.payload),
      ),
    );
  });
  if (rows.length === 0)
    rows.push(h('li', { class: 'muted' }, 'No events in this subtree since the page connected.'));
  el.replaceChildren(...rows);
}
