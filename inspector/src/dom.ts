/**
 * Building and updating DOM elements: a tiny `h()` and writers that skip the DOM when nothing
 * changed. Reading the DOM back (`textContent`, `getAttribute`) would cost as much as writing,
 * so callers keep what they last wrote in a {@link Slot}.
 */

type Child = Node | string | null | undefined | false;

/** Attributes: `class`, `data-*`, `aria-*`, anything else set with `setAttribute`. */
export type Attrs = Record<string, string | number | boolean | null | undefined>;

/**
 * Creates an element with attributes and children (`null`/`false` children are skipped,
 * `false`/`null`/`undefined` attributes are not set, `true` sets an empty one).
 *
 * @example
 * ```ts
 * const row = h('li', { class: 'row', 'data-key': key }, h('span', { class: 'id' }, id));
 * ```
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) setAttrs(el, attrs);
  for (const child of children) if (child) el.append(child);
  return el;
}

/** The SVG namespace, for `createElementNS`. */
export const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Creates an SVG element with attributes.
 *
 * @example
 * ```ts
 * svg.append(s('rect', { x: 0, y: 0, width: 10, height: 10, rx: 4 }));
 * ```
 */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  if (attrs) setAttrs(el, attrs);
  for (const child of children) if (child) el.append(child);
  return el;
}

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
}

/**
 * What was last written to one text or attribute, so a rewrite of the same value is free.
 *
 * @example
 * ```ts
 * const gen = slot();
 * writeText(genEl, gen, `gen ${node.generation}`); // touches the DOM only when it changed
 * ```
 */
export interface Slot {
  value: string | undefined;
}

/** A new, empty {@link Slot}. */
export const slot = (): Slot => ({ value: undefined });

/** Sets `el.textContent` unless the slot says it already holds `text`. */
export function writeText(el: Node, last: Slot, text: string): void {
  if (last.value === text) return;
  last.value = text;
  el.textContent = text;
}

/** Sets (or, for `null`, removes) an attribute unless the slot says it already holds it. */
export function writeAttr(el: Element, name: string, last: Slot, value: string | null): void {
  const v = value ?? undefined;
  if (last.value === v) return;
  last.value = v;
  if (v === undefined) el.removeAttribute(name);
  else el.setAttribute(name, v);
}
