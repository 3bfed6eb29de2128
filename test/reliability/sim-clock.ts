/**
 * A simulated clock for the fault suite: inject it with `createActor(root, { clock })` and every
 * timer of the package (pacing, grace periods, backoff, restart windows) follows it, so a hang
 * past grace costs no wall time. `advance(ms)` fires the due timers in order and lets the work
 * each one starts settle (real event-loop turns) before it moves on.
 */

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

const realSetImmediate = globalThis.setImmediate;

/** One real turn of the event loop (promises, then I/O and immediates). */
export function turn(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/**
 * A simulated clock: `setTimeout`/`clearTimeout`/`now` as XState's `Clock`, plus `advance`.
 *
 * @example
 * ```ts
 * const clock = new SimClock();
 * const actor = createActor(root, { clock }).start();
 * await clock.advance(60_000); // one simulated minute, in well under a second
 * ```
 */
export class SimClock {
  private time = 0;
  private seq = 0;
  /** A binary min-heap by (at, seq); cancelled timers are dropped lazily. */
  private heap: Timer[] = [];
  private readonly live = new Set<number>();
  /** Bumped by every schedule and cancel, and by `touch()`: settling waits until it stops moving. */
  private activity = 0;
  /** Real event-loop turns taken by `settle` so far. */
  turns = 0;
  /** While it returns true, `settle` keeps turning (work the clock cannot see, like sockets). */
  hold: (() => boolean) | undefined;

  now(): number {
    return this.time;
  }

  setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown {
    const timer: Timer = { at: this.time + Math.max(0, ms || 0), seq: ++this.seq, fn };
    this.live.add(timer.seq);
    this.push(timer);
    this.activity++;
    return timer.seq;
  }

  clearTimeout(handle: unknown): void {
    if (this.live.delete(handle as number)) this.activity++;
  }

  /** Pending simulated timers (a leak shows here, not in the process's handles). */
  get pending(): number {
    return this.live.size;
  }

  /** Marks progress the clock cannot see (a report, a request answered). */
  touch(): void {
    this.activity++;
  }

  /** Real event-loop turns until `quiet` turns in a row saw no timer scheduled or cancelled. */
  async settle(quiet = 3, maxTurns = 20_000): Promise<void> {
    let still = 0;
    let seen = this.activity;
    // Bounded: work that never rests (a loop that schedules forever) must not hang the suite.
    for (let n = 0; still < quiet && n < maxTurns; n++) {
      await turn();
      this.turns++;
      if (this.hold?.()) still = 0;
      else if (this.activity === seen) still++;
      else {
        still = 0;
        seen = this.activity;
      }
    }
  }

  /** Moves simulated time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await this.settle();
      const next = this.peekLive();
      if (!next || next.at > end) break;
      this.time = Math.max(this.time, next.at);
      // Every timer due at this instant fires before the work they start is settled.
      for (let t = this.peekLive(); t && t.at <= this.time; t = this.peekLive()) {
        this.pop();
        this.live.delete(t.seq);
        t.fn();
      }
    }
    this.time = end;
    await this.settle();
  }

  private peekLive(): Timer | undefined {
    while (this.heap.length > 0 && !this.live.has(this.heap[0]!.seq)) this.pop();
    return this.heap[0];
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/**
 * mulberry32: a small seeded PRNG, so every fault is decided by the seed and a failing run can
 * be replayed with `RELIABILITY_SEED=<seed>`.
 *
 * @example
 * ```ts
 * const random = seeded(42);
 * random(); // 0.6011037519201636, on every machine
 * ```
 */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
