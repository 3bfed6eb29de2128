/**
 * Which kind of service a node is, and the one figure that says most about it, read from
 * what `getTree()` gives (`details`, `iterations`): one function, so the inspector's rows and
 * the CLI's `tree` listing say the same thing. No imports: the page bundles it too.
 */

/**
 * The kinds a service can be told apart by its `details`: `loop` for a plain service (no
 * details), the rest for the service kinds of the package.
 *
 * @example
 * ```ts
 * const isServer = (k: ServiceKindName) => k === 'http' || k === 'tcp' || k === 'tls' || k === 'udp';
 * ```
 */
export type ServiceKindName =
  | 'loop'
  | 'queue'
  | 'http'
  | 'tcp'
  | 'tls'
  | 'udp'
  | 'client'
  | 'periodic'
  | 'recurring'
  | 'cron'
  | 'event'
  | 'thread'
  | 'process'
  | 'service';

/**
 * A service's kind and its key figure, as text.
 *
 * @example
 * ```ts
 * const k: KindFigure = { kind: 'queue', figure: 'queued 3 · in flight 1' };
 * ```
 */
export interface KindFigure {
  /** What the service is (the badge). */
  kind: ServiceKindName;
  /** Its key figure (`''` when there is nothing to say yet). */
  figure: string;
}

/** What {@link kindFigure} reads: a `getTree()` node or an inspector node. */
export interface KindSource {
  /** `service`, `supervisor` or `actor`; only services have a kind figure. */
  kind: string;
  /** The service kind's `details`. */
  details?: Record<string, unknown> | null;
  /** Iterations of the current generation. */
  iterations?: number;
  /** Iterations per second, when known (the inspector measures it; `getTree()` has none). */
  rate?: number;
}

const has = (d: Record<string, unknown>, ...keys: string[]) => keys.every((k) => k in d);
const num = (v: unknown): string => (typeof v === 'number' ? String(v) : '-');

/** A duration in ms, short: `500ms`, `1.5s`, `2m`, `1h`. */
function short(ms: number): string {
  const trim = (n: number) => String(Math.round(n * 10) / 10);
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${trim(ms / 1_000)}s`;
  if (ms < 3_600_000) return `${trim(ms / 60_000)}m`;
  return `${trim(ms / 3_600_000)}h`;
}

/** An ISO time without milliseconds: `2026-12-06T05:00:00Z`. */
const isoSecond = (iso: string): string => iso.replace(/\.\d{3}Z$/, 'Z');

/** A rate, one decimal below 10/s: `0.5/s`, `12/s`. */
export function rateText(rate: number): string {
  return `${rate < 10 ? Math.round(rate * 10) / 10 : Math.round(rate)}/s`;
}

function serverKind(d: Record<string, unknown>): ServiceKindName {
  const url = typeof d.url === 'string' ? d.url : '';
  const scheme = /^([a-z]+):\/\//.exec(url)?.[1];
  if (scheme === 'http' || scheme === 'https') return 'http';
  if (scheme === 'tls') return 'tls';
  if (scheme === 'udp' || 'type' in d) return 'udp';
  if (scheme === 'tcp') return 'tcp';
  return 'inFlight' in d ? 'http' : 'tcp';
}

function serverFigure(d: Record<string, unknown>): string {
  const where =
    typeof d.url === 'string'
      ? d.url
      : typeof d.path === 'string'
        ? `unix:${d.path}`
        : `${d.host ?? ''}:${d.port ?? ''}`;
  const listening = d.listening === false ? ' (not listening)' : '';
  if ('received' in d) return `${where}${listening} · received ${num(d.received)}`;
  return `${where}${listening} · ${num(d.connections)} conn`;
}

/** When the next run starts: `next in 1.2s`, or `running` while one runs. */
const nextIn = (d: Record<string, unknown>): string =>
  typeof d.nextRunIn === 'number' ? `next in ${short(d.nextRunIn)}` : 'running';

/**
 * The kind of a service and its key figure, from its `details` (and `iterations`, `rate`):
 *
 * | kind | figure |
 * | --- | --- |
 * | `queue` | `queued 3 · in flight 1` (`/ capacity` when bounded) |
 * | `http`, `tcp`, `tls` | `http://127.0.0.1:8080 · 2 conn` |
 * | `udp` | `udp://127.0.0.1:5353 · received 40` |
 * | `client` | `tcp://db:5432 · connected` |
 * | `periodic`, `recurring` | `next in 1.5s` (`running` while a run runs) |
 * | `cron` | `next 2026-12-06T05:00:00Z` |
 * | `event` | `runs 12 · pending` |
 * | `thread` | `thread 3` |
 * | `process` | `pid 4242` |
 * | `loop` | `12/s` when the rate is known, else `it 1204` |
 *
 * Undefined for supervisors and other actors. A service whose details match none of these is
 * `service` with no figure.
 *
 * @example
 * ```ts
 * kindFigure({ kind: 'service', details: { command: 'redis-server', pid: 4242 } });
 * // { kind: 'process', figure: 'pid 4242' }
 * ```
 */
export function kindFigure(node: KindSource): KindFigure | undefined {
  if (node.kind !== 'service') return undefined;
  const d = node.details;
  if (!d) {
    if (node.rate !== undefined) return { kind: 'loop', figure: rateText(node.rate) };
    return { kind: 'loop', figure: `it ${node.iterations ?? 0}` };
  }
  if (has(d, 'queued', 'inFlight', 'processed')) {
    const cap = typeof d.capacity === 'number' ? ` / ${d.capacity}` : '';
    return {
      kind: 'queue',
      figure: `queued ${num(d.queued)}${cap} · in flight ${num(d.inFlight)}`,
    };
  }
  if (has(d, 'connections') && (has(d, 'inFlight') || has(d, 'active'))) {
    return { kind: serverKind(d), figure: serverFigure(d) };
  }
  if (has(d, 'received', 'dropped')) return { kind: 'udp', figure: serverFigure(d) };
  if (has(d, 'target', 'connected')) {
    return {
      kind: 'client',
      figure: `${String(d.target)} · ${d.connected ? 'connected' : `connecting (attempt ${num(d.attempt)})`}`,
    };
  }
  if (has(d, 'cron', 'next')) {
    const next = Array.isArray(d.next) && typeof d.next[0] === 'string' ? d.next[0] : undefined;
    return { kind: 'cron', figure: next ? `next ${isoSecond(next)}` : 'no next run' };
  }
  if (has(d, 'schedule', 'every')) return { kind: 'periodic', figure: nextIn(d) };
  if (has(d, 'every', 'delay')) return { kind: 'recurring', figure: nextIn(d) };
  if (has(d, 'runs', 'pending')) {
    return { kind: 'event', figure: `runs ${num(d.runs)}${d.pending ? ' · pending' : ''}` };
  }
  if (has(d, 'threadId', 'module')) {
    return { kind: 'thread', figure: d.threadId === null ? 'no thread' : `thread ${d.threadId}` };
  }
  if ('pid' in d)
    return { kind: 'process', figure: d.pid === null ? 'no process' : `pid ${d.pid}` };
  return { kind: 'service', figure: '' };
}
