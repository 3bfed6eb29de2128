/**
 * The separator between the tree and the details: dragging it (or the arrow keys, Home and
 * End while it has the focus) sets the tree's share of the width, 20% to 80%, kept for the
 * tab's life (`sessionStorage`).
 */

const MIN = 20;
const MAX = 80;
const KEY = 'xss-inspector-tree-share';

/**
 * Wires the separator `handle` to the grid `app` (its `--tree-share`).
 *
 * @example
 * ```ts
 * initSplitter(document.getElementById('splitter')!, document.querySelector('.app')!);
 * ```
 */
export function initSplitter(handle: HTMLElement, app: HTMLElement): void {
  const set = (share: number) => {
    const v = Math.round(Math.min(MAX, Math.max(MIN, share)));
    app.style.setProperty('--tree-share', `${v}%`);
    handle.setAttribute('aria-valuenow', String(v));
    sessionStorage.setItem(KEY, String(v));
  };
  const kept = Number(sessionStorage.getItem(KEY));
  if (kept >= MIN && kept <= MAX) set(kept);
  const now = () => Number(handle.getAttribute('aria-valuenow'));
  handle.addEventListener('pointerdown', (e) => {
    handle.setPointerCapture(e.pointerId);
    const box = app.getBoundingClientRect();
    const move = (m: PointerEvent) => set(((m.clientX - box.left) / box.width) * 100);
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  });
  handle.addEventListener('keydown', (e) => {
    const step = e.shiftKey ? 10 : 2;
    if (e.key === 'ArrowLeft') set(now() - step);
    else if (e.key === 'ArrowRight') set(now() + step);
    else if (e.key === 'Home') set(MIN);
    else if (e.key === 'End') set(MAX);
    else return;
    e.preventDefault();
  });
}
