/**
 * Zoom and pan of a drawing inside its box: fitted (the whole drawing in view, centred, never
 * blown up past {@link MAX_FIT}) until the user zooms or pans, and fitted again whenever the
 * box changes size while it is. The view is one transform on a group, so neither zoom nor pan
 * lays anything out again.
 */

/** The largest scale a fit uses: a small chart is not blown up to fill a big panel. */
export const MAX_FIT = 1.5;
/** Zoom bounds, relative to scale 1 (the chart's text at the page's text size). */
const MIN_SCALE = 0.05;
const MAX_SCALE = 6;
/** Room kept around a fitted drawing, in px. */
const MARGIN = 8;
/** One press of `+` or `−`. */
export const ZOOM_STEP = 1.25;
/** One arrow key press moves the drawing this far (Shift: three times). */
const PAN_STEP = 40;

/**
 * The view of one drawing in one box.
 *
 * @example
 * ```ts
 * const view = new ZoomPan(box, group, () => ({ width: 400, height: 300 }));
 * view.fit();
 * view.zoomBy(1.25); // around the box's centre
 * view.panBy(0, 40);
 * ```
 */
export class ZoomPan {
  private scale = 1;
  private x = 0;
  private y = 0;
  private isFitted = true;
  private readonly observer: ResizeObserver;

  private readonly box: HTMLElement;
  private readonly group: SVGGElement;
  private readonly size: () => { width: number; height: number };
  private readonly onChange: (fitted: boolean) => void;

  /**
   * @param box The element the drawing is seen through (its size is the view).
   * @param group The group the transform goes on.
   * @param size The drawing's size at scale 1.
   * @param onChange Called after every change of view, with whether it is the fitted one.
   */
  constructor(
    box: HTMLElement,
    group: SVGGElement,
    size: () => { width: number; height: number },
    onChange: (fitted: boolean) => void = () => {},
  ) {
    this.box = box;
    this.group = group;
    this.size = size;
    this.onChange = onChange;
    this.observer = new ResizeObserver(() => {
      if (this.isFitted) this.fit();
    });
    this.observer.observe(box);
  }

  /** Whether the view is the fitted one (no zoom or pan since the last fit). */
  get fitted(): boolean {
    return this.isFitted;
  }

  /** The current scale (1: the chart's text at the page's text size). */
  get zoom(): number {
    return this.scale;
  }

  /** The whole drawing in view, centred. */
  fit(): void {
    const { width, height } = this.size();
    const w = Math.max(1, this.box.clientWidth - 2 * MARGIN);
    const h = Math.max(1, this.box.clientHeight - 2 * MARGIN);
    if (width <= 0 || height <= 0) return;
    this.scale = Math.min(w / width, h / height, MAX_FIT);
    this.x = (this.box.clientWidth - width * this.scale) / 2;
    this.y = (this.box.clientHeight - height * this.scale) / 2;
    this.apply(true);
  }

  /** Zooms by `factor` around a point of the box (its centre by default). */
  zoomBy(factor: number, at?: { x: number; y: number }): void {
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.scale * factor));
    const px = at?.x ?? this.box.clientWidth / 2;
    const py = at?.y ?? this.box.clientHeight / 2;
    // The point under the pointer stays under it.
    this.x = px - ((px - this.x) * next) / this.scale;
    this.y = py - ((py - this.y) * next) / this.scale;
    this.scale = next;
    this.apply(false);
  }

  /** Moves the drawing by (dx, dy) px. */
  panBy(dx: number, dy: number): void {
    this.x += dx;
    this.y += dy;
    this.apply(false);
  }

  /**
   * Handles a key meant for the view: `+`/`=` and `-` zoom, `0` fits, arrows pan (the drawing
   * moves the other way, as a page scrolls). Returns whether the key was one of those.
   */
  key(e: KeyboardEvent): boolean {
    const step = e.shiftKey ? 3 * PAN_STEP : PAN_STEP;
    if (e.key === '+' || e.key === '=') this.zoomBy(ZOOM_STEP);
    else if (e.key === '-' || e.key === '_') this.zoomBy(1 / ZOOM_STEP);
    else if (e.key === '0') this.fit();
    else if (e.key === 'ArrowLeft') this.panBy(step, 0);
    else if (e.key === 'ArrowRight') this.panBy(-step, 0);
    else if (e.key === 'ArrowUp') this.panBy(0, step);
    else if (e.key === 'ArrowDown') this.panBy(0, -step);
    else return false;
    return true;
  }

  /** Stops following the box's size. */
  dispose(): void {
    this.observer.disconnect();
  }

  private apply(fitted: boolean): void {
    this.isFitted = fitted;
    this.group.setAttribute(
      'transform',
      `translate(${round(this.x)} ${round(this.y)}) scale(${round(this.scale, 4)})`,
    );
    this.onChange(fitted);
  }
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/**
 * Wires the mouse to a view: the wheel zooms around the pointer, dragging pans.
 *
 * @example
 * ```ts
 * wirePointer(box, () => view);
 * ```
 */
export function wirePointer(box: HTMLElement, view: () => ZoomPan | null): void {
  box.addEventListener(
    'wheel',
    (e) => {
      const v = view();
      if (!v) return;
      e.preventDefault();
      const r = box.getBoundingClientRect();
      // A wheel notch (about 100 px) is one zoom step; a touchpad's small deltas zoom smoothly.
      const lines = e.deltaMode === WheelEvent.DOM_DELTA_LINE ? e.deltaY * 33 : e.deltaY;
      v.zoomBy(ZOOM_STEP ** (-lines / 100), { x: e.clientX - r.left, y: e.clientY - r.top });
    },
    { passive: false },
  );
  box.addEventListener('pointerdown', (e) => {
    const v = view();
    if (!v || e.button !== 0 || (e.target as Element).closest('button')) return;
    box.setPointerCapture(e.pointerId);
    box.classList.add('chart-dragging');
    let last = { x: e.clientX, y: e.clientY };
    const move = (m: PointerEvent) => {
      v.panBy(m.clientX - last.x, m.clientY - last.y);
      last = { x: m.clientX, y: m.clientY };
    };
    const up = () => {
      box.classList.remove('chart-dragging');
      box.removeEventListener('pointermove', move);
      box.removeEventListener('pointerup', up);
      box.removeEventListener('pointercancel', up);
    };
    box.addEventListener('pointermove', move);
    box.addEventListener('pointerup', up);
    box.addEventListener('pointercancel', up);
  });
}
