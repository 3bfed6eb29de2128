/**
 * The pages' WebSockets at `/ws`, from the upgrade to the close: which upgrades are taken
 * (Host and Origin checked), and what the inspector does while pages are open (observe every
 * actor, look at every node for counters) and while none is (only keep hearing the reports of
 * supervisors the app starts later).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { sameOrigin } from '../control/http.ts';
import type { Logger } from '../core/logger.ts';
import type { Broadcaster } from './broadcaster.ts';
import type { InspectorModel } from './model.ts';

/** Counters (iterations) change without XState events: look at every node this often. @internal */
export const REFRESH_INTERVAL = 250;
/** With no page, look for new top supervisors (to hear their reports) this often. @internal */
export const TOPS_INTERVAL = 250;
/** The page sends nothing; a frame bigger than this closes its socket. */
const MAX_PAYLOAD = 4096;

/** What the lifecycle needs of the inspector: {@link InspectorModel} is one. @internal */
export type ObservedModel = Pick<InspectorModel, 'setObserving' | 'touchAll' | 'refreshTops'>;

/** What {@link SocketLifecycle} works with. @internal */
export interface SocketLifecycleOptions {
  /** The inspector's model of the tree. */
  model: ObservedModel;
  /** Sends the feed to the open pages. */
  feed: Broadcaster<WebSocket>;
  /** Whether a request's `Host` names this server (`createHostCheck`). */
  hostAllowed: (req: IncomingMessage) => boolean;
  /** Where a page's connection errors go (at debug: a page's network is not our failure). */
  logger: Logger;
}

/**
 * The open pages' sockets, and the inspector's two modes: with a page open it observes every
 * actor and looks at every node each 250 ms; with none it costs nothing but a look for new
 * top supervisors each 250 ms. Starts in the second mode.
 *
 * Gotcha: {@link SocketLifecycle.upgrade} refuses, with a bare 403, any path but `/ws`, a
 * `Host` that is not this server's (DNS rebinding) and an `Origin` of another site (a page
 * elsewhere must not read the feed).
 * @internal
 *
 * @example
 * ```ts
 * const sockets = new SocketLifecycle({ model, feed, hostAllowed, logger });
 * server.on('upgrade', (req, socket, head) => sockets.upgrade(req, socket, head));
 * await sockets.close();
 * ```
 */
export class SocketLifecycle {
  private readonly model: ObservedModel;
  private readonly feed: Broadcaster<WebSocket>;
  private readonly hostAllowed: (req: IncomingMessage) => boolean;
  private readonly logger: Logger;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  private refreshTimer: ReturnType<typeof setInterval> | undefined;
  /** With no page: keep listening to the reports of supervisors the app invokes later. */
  private topsTimer: ReturnType<typeof setInterval> | undefined;
  /** Pages whose socket has not closed yet, each with what its close resolves. */
  private readonly closing = new Map<WebSocket, Promise<void>>();
  private closed = false;

  constructor(options: SocketLifecycleOptions) {
    this.model = options.model;
    this.feed = options.feed;
    this.hostAllowed = options.hostAllowed;
    this.logger = options.logger;
    this.watchTops(true);
  }

  /** How many pages are open. */
  get pages(): number {
    return this.feed.pages.size;
  }

  /** Takes a page's upgrade to `/ws`, or refuses it with 403 (see the class's gotcha). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (this.closed || path !== '/ws' || !this.hostAllowed(req) || !sameOrigin(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connect(ws));
  }

  /**
   * Ends every page's connection and both modes; resolves once every page's socket has
   * closed, after which nothing of the inspector runs.
   */
  close(): Promise<void> {
    this.closed = true;
    this.stopRefresh();
    this.watchTops(false);
    this.feed.cancel();
    for (const ws of this.feed.pages) ws.terminate();
    this.wss.close();
    return Promise.all(this.closing.values()).then(() => {});
  }

  private connect(ws: WebSocket): void {
    if (this.closed) {
      ws.terminate();
      return;
    }
    if (!this.feed.pages.size) {
      this.watchTops(false);
      this.model.setObserving(true);
      this.refreshTimer = setInterval(() => {
        this.model.touchAll();
        this.feed.schedule();
      }, REFRESH_INTERVAL);
      this.refreshTimer.unref();
    }
    this.model.touchAll();
    this.feed.add(ws);
    this.closing.set(
      ws,
      new Promise<void>((resolve) => {
        ws.on('close', () => {
          this.closing.delete(ws);
          this.feed.remove(ws);
          // Once closed, a page's close must not bring the no-page mode back.
          if (!this.feed.pages.size && !this.closed) {
            this.stopRefresh();
            this.model.setObserving(false);
            this.watchTops(true);
          }
          resolve();
        });
      }),
    );
    ws.on('error', (e) => this.logger.debug({ err: e }, 'inspector page connection error'));
    // The page sends nothing; anything it does send is ignored.
  }

  private stopRefresh(): void {
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  private watchTops(on: boolean): void {
    clearInterval(this.topsTimer);
    this.topsTimer = undefined;
    if (on) {
      this.topsTimer = setInterval(() => this.model.refreshTops(), TOPS_INTERVAL);
      this.topsTimer.unref();
    }
  }
}
