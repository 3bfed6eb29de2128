/**
 * A page's view of the inspector feed, without a browser: connects to `/ws`, applies the
 * snapshot and the deltas the way the page does, and waits for conditions on the result.
 */
import WebSocket from 'ws';
import type {
  InspectorNode,
  MachineChart,
  NodeEvent,
  ServerMessage,
  SnapshotMessage,
  TimelineEntry,
} from '../../src/inspector/protocol.ts';

export interface Feed {
  readonly nodes: Map<string, InspectorNode>;
  readonly machines: Map<string, MachineChart>;
  readonly timeline: TimelineEntry[];
  readonly events: NodeEvent[];
  /** Every message, in order. */
  readonly messages: ServerMessage[];
  snapshot(): SnapshotMessage;
  /** The node at `path` (ids below the top supervisor, `''` for it), or by id for other actors. */
  node(pathOrId: string): InspectorNode | undefined;
  /** Resolves once `check` returns true after a message (or at once); rejects after `timeout`. */
  until(check: () => boolean, what: string, timeout?: number): Promise<void>;
  close(): Promise<void>;
}

export function feedUrl(url: string): string {
  return `${url.replace(/^http/, 'ws')}ws`;
}

export async function connectFeed(
  url: string,
  headers: Record<string, string> = {},
): Promise<Feed> {
  const ws = new WebSocket(feedUrl(url), { headers });
  const nodes = new Map<string, InspectorNode>();
  const machines = new Map<string, MachineChart>();
  const timeline: TimelineEntry[] = [];
  const events: NodeEvent[] = [];
  const messages: ServerMessage[] = [];
  let first: SnapshotMessage | undefined;
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as ServerMessage;
    messages.push(msg);
    if (msg.type === 'snapshot') {
      first ??= msg;
      nodes.clear();
      for (const n of msg.nodes) nodes.set(n.key, n);
      timeline.splice(0, timeline.length, ...msg.timeline);
      events.splice(0, events.length, ...msg.events);
    } else {
      for (const u of msg.upserts) {
        const merged = { ...nodes.get(u.key), ...u } as InspectorNode;
        for (const [k, v] of Object.entries(u)) {
          if (v === null && k !== 'parent')
            delete (merged as unknown as Record<string, unknown>)[k];
        }
        nodes.set(u.key, merged);
      }
      for (const key of msg.removed) nodes.delete(key);
      timeline.push(...msg.timeline);
      events.push(...msg.events);
    }
    for (const m of msg.machines) machines.set(m.key, m);
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
  const feed: Feed = {
    nodes,
    machines,
    timeline,
    events,
    messages,
    snapshot: () => first!,
    node(pathOrId) {
      for (const n of nodes.values()) {
        if (n.path ? n.path.join('/') === pathOrId : n.id === pathOrId) return n;
      }
      return undefined;
    },
    until(check, what, timeout = 5_000) {
      if (check()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(new Error(`timed out waiting for ${what}`));
        }, timeout);
        const test = () => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(test);
          resolve();
        };
        waiters.add(test);
      });
    },
    close() {
      if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
      return new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close();
      });
    },
  };
  return feed;
}
