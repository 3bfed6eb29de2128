/**
 * The WebSocket to the inspector server, kept open: when it drops (the app restarted, the
 * laptop slept) it reconnects by itself with exponential backoff, capped so a restarted app is
 * back on the page within about two seconds.
 */
import type { ServerMessage } from '../../src/inspector/protocol.ts';

/** `connecting` before the first open; `disconnected` after any loss, while retrying. */
export type ConnectionState = 'connecting' | 'open' | 'disconnected';

/** Backoff: 100 ms, 200, 400, ... capped. */
const FIRST_DELAY = 100;
const MAX_DELAY = 2_000;

/**
 * What a connection tells its owner.
 */
export interface ConnectionHandlers {
  onMessage(message: ServerMessage): void;
  onState(state: ConnectionState): void;
}

/**
 * Opens the feed at `url` and keeps it open until `close()`.
 *
 * @example
 * ```ts
 * const conn = connect(new URL('ws', location.href), { onMessage: apply, onState: showState });
 * ```
 */
export function connect(url: URL, handlers: ConnectionHandlers): { close(): void } {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const open = () => {
    timer = undefined;
    if (closed) return;
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      handlers.onState('open');
    };
    ws.onmessage = (e: MessageEvent) => {
      if (typeof e.data !== 'string') return;
      let message: ServerMessage;
      try {
        message = JSON.parse(e.data) as ServerMessage;
      } catch {
        return; // Not ours: a bad frame must not stop the feed.
      }
      handlers.onMessage(message);
    };
    // `close` follows `error` in every browser; retrying from `close` alone retries once.
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      if (closed) return;
      handlers.onState('disconnected');
      retry();
    };
  };

  const retry = () => {
    const delay = Math.min(MAX_DELAY, FIRST_DELAY * 2 ** attempt);
    attempt++;
    timer = setTimeout(open, delay);
  };

  // Back from sleep or offline: try now rather than at the end of the current delay.
  const now = () => {
    if (socket || closed || timer === undefined) return;
    clearTimeout(timer);
    open();
  };
  const visible = () => {
    if (document.visibilityState === 'visible') now();
  };
  window.addEventListener('online', now);
  document.addEventListener('visibilitychange', visible);

  handlers.onState('connecting');
  open();
  return {
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      socket?.close();
      window.removeEventListener('online', now);
      document.removeEventListener('visibilitychange', visible);
    },
  };
}
