/**
 * The feed's batching and back-pressure, on simulated time: pages are plain objects that
 * record what they were sent, the source counts the deltas taken.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  Broadcaster,
  type FeedSource,
  MAX_BUFFERED,
  STORM_BATCH,
  STORM_BATCH_INTERVAL,
} from '../../src/inspector/broadcaster.ts';
import {
  type DeltaMessage,
  INSPECTOR_PROTOCOL,
  type ServerMessage,
  type SnapshotMessage,
} from '../../src/inspector/protocol.ts';

const BATCH = 16;

/** A page that keeps every message and says how much it has unsent. */
class Page {
  readonly received: ServerMessage[] = [];
  bufferedAmount = 0;
  send(text: string): void {
    this.received.push(JSON.parse(text) as ServerMessage);
  }
  /** What it was sent, as `snapshot@n` / `delta@n` (n: the deltas taken by then). */
  get seen(): string[] {
    return this.received.map((m) => `${m.type}@${m.at}`);
  }
}

/** Changes come from `change()`; each delta and snapshot says how many deltas were taken. */
function source() {
  let pending = 0;
  let taken = 0;
  let skipped = 0;
  const feed: FeedSource = {
    snapshot: (): SnapshotMessage => ({
      type: 'snapshot',
      protocol: INSPECTOR_PROTOCOL,
      at: taken,
      title: 'test',
      root: 'root',
      nodes: [],
      machines: [],
      timeline: [],
      events: [],
      eventsPaused: false,
      control: { enabled: false, tokenRequired: false },
      system: [],
    }),
    delta: (): DeltaMessage | undefined => {
      if (!pending) return undefined;
      pending = 0;
      const timelineSkipped = skipped;
      skipped = 0;
      return {
        type: 'delta',
        at: ++taken,
        upserts: [],
        removed: [],
        machines: [],
        timeline: [],
        timelineSkipped,
        events: [],
        eventsPaused: false,
        system: [],
      };
    },
  };
  return {
    feed,
    /** Something changed; `reports` many reports came with it (a storm above STORM_BATCH). */
    change(reports = 0) {
      pending++;
      skipped += reports;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('inspector feed batching', () => {
  it('sends many changes as one delta, batchInterval after the first', () => {
    const { feed, change } = source();
    const broadcaster = new Broadcaster<Page>(feed, BATCH);
    const page = new Page();
    broadcaster.add(page);
    for (let i = 0; i < 5; i++) {
      change();
      broadcaster.schedule();
    }
    vi.advanceTimersByTime(BATCH - 1);
    expect(page.seen).toEqual(['snapshot@0']);
    vi.advanceTimersByTime(1);
    expect(page.seen).toEqual(['snapshot@0', 'delta@1']);
  });

  it('schedules nothing while no page is open', () => {
    const { feed, change } = source();
    const broadcaster = new Broadcaster<Page>(feed, BATCH);
    change();
    broadcaster.schedule();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives a new page a snapshot and the open pages what changed before it, each once', () => {
    const { feed, change } = source();
    const broadcaster = new Broadcaster<Page>(feed, BATCH);
    const first = new Page();
    broadcaster.add(first);
    change();
    broadcaster.schedule();
    const second = new Page();
    broadcaster.add(second);
    vi.advanceTimersByTime(BATCH * 10);
    expect(first.seen).toEqual(['snapshot@0', 'delta@1']);
    expect(second.seen).toEqual(['snapshot@1']);
  });

  it('waits at least 50 ms after a storm batch, and batchInterval again once calm', () => {
    const { feed, change } = source();
    const broadcaster = new Broadcaster<Page>(feed, BATCH);
    const page = new Page();
    broadcaster.add(page);
    change(STORM_BATCH + 1);
    broadcaster.schedule();
    vi.advanceTimersByTime(BATCH);
    expect(page.seen).toEqual(['snapshot@0', 'delta@1']);
    change();
    broadcaster.schedule();
    vi.advanceTimersByTime(STORM_BATCH_INTERVAL - 1);
    expect(page.seen).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(page.seen).toEqual(['snapshot@0', 'delta@1', 'delta@2']);
    change();
    broadcaster.schedule();
    vi.advanceTimersByTime(BATCH);
    expect(page.seen).toEqual(['snapshot@0', 'delta@1', 'delta@2', 'delta@3']);
  });

  it('drops the batch due when the last page closes', () => {
    const { feed, change } = source();
    const broadcaster = new Broadcaster<Page>(feed, BATCH);
    const page = new Page();
    broadcaster.add(page);
    change();
    broadcaster.schedule();
    broadcaster.remove(page);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('inspector feed back-pressure', () => {
  it('skips a page that cannot keep up and, once it drains, sends it a snapshot, not what it missed', () => {
    const { feed, change } = source();
    const broadcaster = new Broadcaster<Page>(feed, BATCH);
    const slow = new Page();
    const quick = new Page();
    broadcaster.add(slow);
    broadcaster.add(quick);
    slow.bufferedAmount = MAX_BUFFERED;
    change();
    broadcaster.schedule();
    vi.advanceTimersByTime(BATCH);
    change();
    broadcaster.schedule();
    vi.advanceTimersByTime(BATCH);
    expect(slow.seen).toEqual(['snapshot@0']);
    expect(quick.seen).toEqual(['snapshot@0', 'delta@1', 'delta@2']);

    slow.bufferedAmount = MAX_BUFFERED - 1;
    change();
    broadcaster.schedule();
    vi.advanceTimersByTime(BATCH);
    // The snapshot is as of delta 3: the page is current without being sent delta 3 on top.
    expect(slow.seen).toEqual(['snapshot@0', 'snapshot@3']);
    expect(quick.seen).toEqual(['snapshot@0', 'delta@1', 'delta@2', 'delta@3']);
    change();
    broadcaster.schedule();
    vi.advanceTimersByTime(BATCH);
    expect(slow.seen).toEqual(['snapshot@0', 'snapshot@3', 'delta@4']);
  });
});
