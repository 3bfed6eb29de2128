/**
 * Sending the feed to the open pages: what changed goes out in batches (a restart storm is one
 * message per batch, not one per report), a page that cannot keep up is skipped and later sent
 * a whole snapshot, and the inspector's own cost stays a small share of the process's time.
 */
import type { DeltaMessage, SnapshotMessage } from './protocol.ts';

/** A page's end of the feed: a WebSocket from `ws` is one. @internal */
export interface FeedPage {
  /** Queues a text message. */
  send(text: string): void;
  /** Bytes queued and not yet sent. */
  readonly bufferedAmount: number;
}

/** What the feed is made of: the inspector model is one. @internal */
export interface FeedSource {
  /** Everything as of the last {@link FeedSource.delta}, for a page that just connected. */
  snapshot(): SnapshotMessage;
  /** What changed since the last delta, or undefined when nothing did. */
  delta(): DeltaMessage | undefined;
}

/** A page whose socket has this much unsent is skipped, then sent a fresh snapshot. @internal */
export const MAX_BUFFERED = 4 * 1024 * 1024;
/** A batch with more reports than this is a storm... @internal */
export const STORM_BATCH = 20;
/**
 * ...and the next batch comes after this long (20 a second is still live to the eye).
 * @internal
 */
export const STORM_BATCH_INTERVAL = 50;
/** However big the tree, a batch waits this many times as long as the last one took. */
const COST_FACTOR = 8;

/**
 * Batches what changed and sends it to every open page. {@link Broadcaster.schedule} when
 * something changed: a batch goes out `batchInterval` ms later at the soonest (50 ms during a
 * storm of more than 20 reports, and 8 times as long as the last batch took), so however big
 * the tree the inspector takes at most about a ninth of the time.
 *
 * Gotcha: a page whose socket holds more than 4 MiB unsent gets no deltas; once it drains it
 * gets a whole snapshot instead, never a delta it could not apply.
 * @internal
 *
 * @example
 * ```ts
 * const feed = new Broadcaster({ snapshot: () => model.snapshot(title, control), delta: () => model.delta() }, 16);
 * model.onChange = () => feed.schedule();
 * feed.add(ws); // ws gets a snapshot now, and the deltas after it
 * ```
 */
export class Broadcaster<Page extends FeedPage = FeedPage> {
  /** The open pages. */
  readonly pages = new Set<Page>();
  /** Pages skipped while their socket was full: they get a whole snapshot when it drains. */
  private readonly behind = new Set<Page>();
  private readonly source: FeedSource;
  private readonly batchInterval: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The time the last batch took: the next one waits at least {@link COST_FACTOR} as long. */
  private flushCost = 0;
  /** The last batch was big (a storm): the next one waits {@link STORM_BATCH_INTERVAL}. */
  private stormy = false;

  /** @param batchInterval the least time (ms) between two batches, 16 by default in the server */
  constructor(source: FeedSource, batchInterval: number) {
    this.source = source;
    this.batchInterval = batchInterval;
  }

  /** Something changed: sends a batch soon, unless one is already due or no page is open. */
  schedule(): void {
    if (this.pages.size && !this.timer) {
      const floor = this.stormy
        ? Math.max(this.batchInterval, STORM_BATCH_INTERVAL)
        : this.batchInterval;
      this.timer = setTimeout(() => this.flush(), Math.max(floor, this.flushCost * COST_FACTOR));
    }
  }

  /** Sends what changed now (a batch due is then not sent again), timing what it cost. */
  flush(): void {
    this.cancel();
    const started = performance.now();
    try {
      this.send();
    } finally {
      this.flushCost = performance.now() - started;
    }
  }

  /**
   * Opens the feed to `page`: the pages already open get what changed, the new one a
   * snapshot as of now.
   */
  add(page: Page): void {
    this.flush();
    this.pages.add(page);
    this.sendSnapshot(page);
  }

  /** Closes the feed to `page`; with no page left, no batch is due. */
  remove(page: Page): void {
    this.pages.delete(page);
    this.behind.delete(page);
    if (!this.pages.size) this.cancel();
  }

  /** Drops the batch due, if any. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private sendSnapshot(page: Page): void {
    page.send(JSON.stringify(this.source.snapshot()));
  }

  private send(): void {
    const delta = this.source.delta();
    // A page back from behind gets everything as of this delta, not the delta again.
    const caughtUp = new Set<Page>();
    for (const page of this.behind) {
      if (page.bufferedAmount < MAX_BUFFERED) {
        this.behind.delete(page);
        caughtUp.add(page);
        this.sendSnapshot(page);
      }
    }
    // Reports, not changed nodes: the 250 ms refresh of a big, calm tree changes many nodes.
    this.stormy =
      delta !== undefined && delta.timeline.length + delta.timelineSkipped > STORM_BATCH;
    if (!delta) return;
    const text = JSON.stringify(delta);
    for (const page of this.pages) {
      if (this.behind.has(page) || caughtUp.has(page)) continue;
      if (page.bufferedAmount >= MAX_BUFFERED) {
        this.behind.add(page);
        continue;
      }
      page.send(text);
    }
  }
}
