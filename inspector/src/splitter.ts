/**
 * The separators between panels: dragging one (or the arrow keys, Home and End while it has
 * the focus) sets a panel's share of the page, kept for the tab's life (`sessionStorage`).
 * The vertical one between tree and details sets the tree's share of the width (20% to 80%);
 * the horizontal one above the timeline and system panels sets the lower row's share of the
 * height (15% to 70%).
 */

/** What one separator sets. */
export interface SplitterOptions {
  /**
   * `x`: a vertical separator, the panel left of it gets the share of the width;
   * `y`: a horizontal one, the panel below it gets the share of the height.
   * @default 'x'
   */
  readonly axis?: 'x' | 'y';
  /** The CSS property set on the grid, as a percentage. @default '--tree-share' */
  readonly property?: string;
  /** The `sessionStorage` key it is kept under. @default 'xss-inspector-tree-share' */
  readonly key?: string;
  /** The smallest share, in %. @default 20 */
  readonly min?: number;
  /** The largest share, in %. @default 80 */
  readonly max?: number;
}

/**
 * Wires the separator `handle` to the grid `app`: the tree/details one by default, the lower
 * row's with `axis: 'y'`.
 *
 * @example
 * ```ts
 * initSplitter(document.getElementById('splitter')!, document.querySelector('.app')!);
 * initSplitter(document.getElementById('splitter-rows')!, document.querySelector('.app')!, {
 *   axis: 'y', property: '--lower-share', key: 'xss-inspector-lower-share', min: 15, max: 70,
 * });
 * ```
 */
export function initSplitter(
  handle: HTMLElement,
  app: HTMLElement,
  options: SplitterOptions = {},
): void {
  const {
    axis = 'x',
    property = '--tree-share',
    key = 'xss-inspector-tree-share',
    min = 20,
    max = 80,
  } = options;
  const set = (share: number) => {
    const v = Math.round(Math.min(max, Math.max(min, share)));
    app.style.setProperty(property, `${v}%`);
    handle.setAttribute('aria-valuenow', String(v));
    sessionStorage.setItem(key, String(v));
  };
  const kept = Number(sessionStorage.getItem(key));
  if (kept >= min && kept <= max) set(kept);
  const now = () => Number(handle.getAttribute('aria-valuenow'));
  handle.addEventListener('pointerdown', (e) => {
    handle.setPointerCapture(e.pointerId);
    const box = app.getBoundingClientRect();
    const move = (m: PointerEvent) =>
      set(
        axis === 'x'
          ? ((m.clientX - box.left) / box.width) * 100
          : ((box.bottom - m.clientY) / box.height) * 100,
      );
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  });
  // Keys move the separator the way the arrow points: up grows the lower row.
  const less = axis === 'x' ? 'ArrowLeft' : 'ArrowDown';
  const more = axis === 'x' ? 'ArrowRight' : 'ArrowUp';
  handle.addEventListener('keydown', (e) => {
    const step = e.shiftKey ? 10 : 2;
    if (e.key === less) set(now() - step);
    else if (e.key === more) set(now() + step);
    else if (e.key === 'Home') set(min);
    else if (e.key === 'End') set(max);
    else return;
    e.preventDefault();
  });
}
