/**
 * The inspector server: the built page, a WebSocket feed of the live tree at `/ws`, and the
 * control API's commands forwarded from the page. Node's `http` and `ws`, on 127.0.0.1.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  answerFailure,
  ClientGoneError,
  checkListenOptions,
  createHostCheck,
  forbiddenHost,
  HttpError,
  LOOPBACK,
  listen,
  readBody,
  sameOrigin,
  sendJson,
} from '../control/http.ts';
import { toError, XstateSupervisorError } from '../core/errors.ts';
import { createConsoleLogger, type Logger } from '../core/logger.ts';
import type { AnyActorRef } from '../internal/xstate.ts';
import { forwardCluster } from './cluster-route.ts';
import { displayId, InspectorModel } from './model.ts';
import type { ControlInfo } from './protocol.ts';
import { forwardToStately, type StatelyTarget } from './stately.ts';

/**
 * Where the page's commands go: the control API of the same tree.
 *
 * @example
 * ```ts
 * const control = await createControlServer(actor, { token: 's3cret' });
 * await createInspectorServer(actor, { control: { url: control.url, tokenRequired: true } });
 * ```
 */
export interface InspectorControlOptions {
  /** The control API's URL (`handle.control.url`, or what `createControlServer` gave). */
  url: string;
  /**
   * Whether it wants a token; the page then asks for it once.
   * @default asked of the control API at start (a 401 on `GET /tree` means yes)
   */
  tokenRequired?: boolean;
  /**
   * The supervisor actor the control API was created for: its children get the buttons.
   * @default the top supervisor of the inspected system, when there is only one
   */
  supervisor?: AnyActorRef;
}

/**
 * Options of {@link createInspectorServer}.
 *
 * @example
 * ```ts
 * const options: InspectorServerOptions = { port: 9465, control: { url: 'http://127.0.0.1:9464' } };
 * ```
 */
export interface InspectorServerOptions {
  /**
   * The port; 0 picks a free one (the real one is in `url`).
   * @default 0
   */
  port?: number;
  /**
   * The address to bind. The feed shows your whole app: keep it on loopback.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * The control API the page's buttons use (restart, stop, start, hard reset, fail).
   * @default undefined (no buttons)
   */
  control?: InspectorControlOptions;
  /**
   * Also forward XState's inspection events in `@statelyai/inspect`'s format, errors
   * serialized: pass an inspector from `@statelyai/inspect` or anything with `send(event)`.
   * @default undefined (not forwarded)
   */
  stately?: StatelyTarget;
  /**
   * Host names the page may be reached by besides loopback names and `host` (a forwarded
   * dev-container host, say). Requests naming any other host are refused (DNS rebinding).
   * @default []
   */
  allowedHosts?: string[];
  /**
   * The page's title.
   * @default the inspected actor's id
   */
  title?: string;
  /**
   * Where the server's errors go.
   * @default a console logger on stderr
   */
  logger?: Logger;
  /**
   * How often (ms) the feed sends what changed, at most: a restart storm becomes one
   * message per batch. During a storm (more than 20 reports in a batch) batches are at least
   * 50 ms apart, and a batch that took long makes the next one wait 8 times as long.
   * @default 16
   */
  batchInterval?: number;
}

/**
 * A running inspector server.
 *
 * @example
 * ```ts
 * const inspector: InspectorServer = await createInspectorServer(actor);
 * console.log(`open ${inspector.url}`);
 * await inspector.close();
 * ```
 */
export interface InspectorServer {
  /** `http://host:port/`, with the real port: open it in a browser. */
  readonly url: string;
  /** Stops listening, closes the pages' connections and stops observing the system. */
  close(): Promise<void>;
}

const KNOWN_OPTIONS = [
  'port',
  'host',
  'control',
  'stately',
  'allowedHosts',
  'title',
  'logger',
  'batchInterval',
];
/** A page whose socket has this much unsent is skipped, then sent a fresh snapshot. */
const MAX_BUFFERED = 4 * 1024 * 1024;
/** Counters (iterations) change without XState events: look at every node this often. */
const REFRESH_INTERVAL = 250;
/** A batch with more reports than this is a storm... */
const STORM_BATCH = 20;
/** ...and the next batch comes after this long (20 a second is still live to the eye). */
const STORM_BATCH_INTERVAL = 50;
/** With no page, look for new top supervisors (to hear their reports) this often. */
const TOPS_INTERVAL = 250;

const PAGE_DIR = fileURLToPath(new URL('../../inspector/dist/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
};

function invalid(caller: string, option: string, expected: string, got: unknown): never {
  throw new XstateSupervisorError(
    'INSPECTOR_OPTION_INVALID',
    `${caller}: expected \`${option}\` to be ${expected}, got ${JSON.stringify(got)}.`,
  );
}

/**
 * Validates inspector options at once.
 * @internal
 */
export function checkInspectorOptions(options: object, caller = 'createInspectorServer'): void {
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new XstateSupervisorError(
        'INSPECTOR_OPTION_UNKNOWN',
        `${caller}: unknown inspector option \`${key}\`; known options are ${KNOWN_OPTIONS.join(', ')}.`,
      );
    }
  }
  checkListenOptions(o, (option, expected, got) => invalid(caller, option, expected, got));
  const control = o.control as { url?: unknown; tokenRequired?: unknown } | undefined;
  if (control !== undefined) {
    if (typeof control !== 'object' || control === null || typeof control.url !== 'string') {
      invalid(caller, 'control', 'an object with a `url` string', control);
    }
    try {
      new URL(control.url as string);
    } catch {
      invalid(caller, 'control.url', 'an absolute URL such as http://127.0.0.1:9464', control.url);
    }
    if (control.tokenRequired !== undefined && typeof control.tokenRequired !== 'boolean') {
      invalid(caller, 'control.tokenRequired', 'a boolean', control.tokenRequired);
    }
    const sup = (control as { supervisor?: { sessionId?: unknown } }).supervisor;
    if (sup !== undefined && typeof sup?.sessionId !== 'string') {
      invalid(caller, 'control.supervisor', 'the actor of a supervisor', typeof sup);
    }
  }
  const stately = o.stately as { send?: unknown; adapter?: { send?: unknown } } | undefined;
  if (
    stately !== undefined &&
    typeof stately?.send !== 'function' &&
    typeof stately?.adapter?.send !== 'function'
  ) {
    invalid(
      caller,
      'stately',
      'an inspector from @statelyai/inspect or an object with send(event)',
      stately,
    );
  }
  const batch = o.batchInterval ?? 16;
  if (typeof batch !== 'number' || !Number.isFinite(batch) || batch < 1 || batch > 10_000) {
    invalid(caller, 'batchInterval', 'a number of ms from 1 to 10000', batch);
  }
}

async function probeTokenRequired(url: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/tree', url), { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.status === 401;
  } catch {
    return true;
  }
}

/**
 * Starts the inspector for `actor` (a supervisor, a service, or any actor of yours that
 * invokes them): a local web page showing the live tree, fed over a WebSocket.
 *
 * Gotcha: it shows everything in the actor's system, options included; it binds to
 * 127.0.0.1 by default, keep it there.
 *
 * @example
 * ```ts
 * const actor = createActor(root).start();
 * const inspector = await createInspectorServer(actor, { port: 0 });
 * console.log(`inspector on ${inspector.url}`);
 * await inspector.close();
 * ```
 */
export async function createInspectorServer(
  actor: AnyActorRef,
  options: InspectorServerOptions = {},
): Promise<InspectorServer> {
  checkInspectorOptions(options);
  const host = options.host ?? '127.0.0.1';
  const hostAllowed = createHostCheck(host, options.allowedHosts);
  const logger = (options.logger ?? createConsoleLogger()).child({ component: 'inspector' });
  const title = options.title ?? displayId(actor);
  const batchInterval = options.batchInterval ?? 16;
  const controlUrl = options.control?.url;
  const control: ControlInfo = {
    enabled: controlUrl !== undefined,
    tokenRequired:
      controlUrl === undefined
        ? false
        : (options.control?.tokenRequired ?? (await probeTokenRequired(controlUrl))),
  };
  if (!LOOPBACK.has(host)) {
    logger.warn(
      { host },
      'inspector bound to a non-loopback address: anyone who can reach it sees your whole app',
    );
  }

  const controlled = options.control?.supervisor;
  const model = new InspectorModel(actor, () => controlled);
  if (control.enabled && !controlled && model.topCount > 1) {
    logger.warn(
      { supervisors: model.topCount },
      'several top supervisors and no control.supervisor: the page shows no command buttons',
    );
  }
  const stopStately = options.stately
    ? forwardToStately(model.actors(), actor, options.stately, (e) =>
        logger.warn({ err: toError(e) }, 'forwarding to the Stately inspector failed'),
      )
    : undefined;

  const clients = new Set<WebSocket>();
  /** Pages skipped while their socket was full: they get a whole snapshot when it drains. */
  const behind = new Set<WebSocket>();
  let batchTimer: NodeJS.Timeout | undefined;
  let refreshTimer: NodeJS.Timeout | undefined;
  /** With no page: keep listening to the reports of supervisors the app invokes later. */
  let topsTimer: NodeJS.Timeout | undefined;
  const watchTops = (on: boolean) => {
    clearInterval(topsTimer);
    topsTimer = undefined;
    if (on) {
      topsTimer = setInterval(() => model.refreshTops(), TOPS_INTERVAL);
      topsTimer.unref();
    }
  };
  watchTops(true);

  const sendSnapshot = (ws: WebSocket): void => {
    ws.send(JSON.stringify(model.snapshot(title, control)));
  };
  /** The time the last batch took: the next one waits at least 8 times as long. */
  let flushCost = 0;
  /** The last batch was big (a storm): the next one waits {@link STORM_BATCH_INTERVAL}. */
  let stormy = false;
  const flush = (): void => {
    batchTimer = undefined;
    const started = performance.now();
    try {
      send();
    } finally {
      flushCost = performance.now() - started;
    }
  };
  const send = (): void => {
    const delta = model.delta();
    // A page back from behind gets everything as of this delta, not the delta again.
    const caughtUp = new Set<WebSocket>();
    for (const ws of behind) {
      if (ws.bufferedAmount < MAX_BUFFERED) {
        behind.delete(ws);
        caughtUp.add(ws);
        sendSnapshot(ws);
      }
    }
    // Reports, not changed nodes: the 250 ms refresh of a big, calm tree changes many nodes.
    stormy = delta !== undefined && delta.timeline.length + delta.timelineSkipped > STORM_BATCH;
    if (!delta) return;
    const text = JSON.stringify(delta);
    for (const ws of clients) {
      if (behind.has(ws) || caughtUp.has(ws)) continue;
      if (ws.bufferedAmount >= MAX_BUFFERED) {
        behind.add(ws);
        continue;
      }
      ws.send(text);
    }
  };
  const schedule = (): void => {
    // However big the tree, the inspector takes at most about a ninth of the time.
    if (clients.size && !batchTimer) {
      const floor = stormy ? Math.max(batchInterval, STORM_BATCH_INTERVAL) : batchInterval;
      batchTimer = setTimeout(flush, Math.max(floor, flushCost * 8));
    }
  };
  model.onChange = schedule;

  const connect = (ws: WebSocket): void => {
    if (!clients.size) {
      watchTops(false);
      model.setObserving(true);
      refreshTimer = setInterval(() => {
        model.touchAll();
        schedule();
      }, REFRESH_INTERVAL);
      refreshTimer.unref();
    }
    model.touchAll();
    // The pages already here get what changed; the new one gets everything as of now.
    flush();
    clients.add(ws);
    sendSnapshot(ws);
    ws.on('close', () => {
      clients.delete(ws);
      behind.delete(ws);
      if (!clients.size) {
        clearInterval(refreshTimer);
        clearTimeout(batchTimer);
        batchTimer = undefined;
        model.setObserving(false);
        watchTops(true);
      }
    });
    ws.on('error', (e) => logger.debug({ err: e }, 'inspector page connection error'));
    // The page sends nothing; anything it does send is ignored.
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const serveStatic = async (pathname: string, res: ServerResponse): Promise<void> => {
    let relative: string;
    try {
      relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    } catch {
      throw new HttpError(400, 'BAD_PATH', `The path "${pathname}" has a malformed escape.`);
    }
    const file = normalize(join(PAGE_DIR, relative));
    if (!file.startsWith(PAGE_DIR.endsWith(sep) ? PAGE_DIR : PAGE_DIR + sep)) {
      throw new HttpError(404, 'NOT_FOUND', `No file ${pathname}.`);
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      if (relative === 'index.html') {
        throw new HttpError(
          503,
          'PAGE_NOT_BUILT',
          `The inspector page is not built (no ${file}); run \`npm run build\` in xstate-supervisor.`,
        );
      }
      throw new HttpError(404, 'NOT_FOUND', `No file ${pathname}.`);
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': relative === 'index.html' ? 'no-cache' : 'max-age=3600',
      'x-content-type-options': 'nosniff',
    });
    res.end(body);
  };

  const forward = async (req: IncomingMessage, res: ServerResponse, target: string) => {
    if (!controlUrl) {
      throw new HttpError(
        503,
        'CONTROL_DISABLED',
        'The inspector was started without a control API.',
      );
    }
    if (req.method !== 'POST') {
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `Use POST here, not ${req.method}.`, {
        allow: 'POST',
      });
    }
    // An event for `send` is forwarded as it came: the control API validates it (decision 0058).
    const payload = await readBody(req);
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let answer: Response;
    try {
      const headers: Record<string, string> = {};
      if (req.headers.authorization) headers.authorization = req.headers.authorization;
      if (payload.length > 0) headers['content-type'] = 'application/json';
      answer = await fetch(new URL(target, controlUrl), {
        method: 'POST',
        headers,
        ...(payload.length > 0 ? { body: payload } : {}),
        signal: abort.signal,
      });
    } catch (e) {
      // The page went away while the command ran: nobody to answer, nothing to log as an error.
      if (abort.signal.aborted) throw new ClientGoneError(e);
      throw new HttpError(
        503,
        'CONTROL_UNREACHABLE',
        `The control API at ${controlUrl} did not answer (${toError(e).message}).`,
      );
    }
    let body: string;
    try {
      body = await answer.text();
    } catch (e) {
      if (abort.signal.aborted) throw new ClientGoneError(e);
      throw new HttpError(
        502,
        'CONTROL_ANSWER_CUT',
        `The control API at ${controlUrl} cut its answer short (${toError(e).message}).`,
      );
    }
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
    res.end(body);
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req)) throw forbiddenHost(req, 'inspector');
    let pathname: string;
    try {
      ({ pathname } = new URL(req.url ?? '/', 'http://inspector'));
    } catch {
      throw new HttpError(400, 'BAD_PATH', 'The request target is not a valid path.');
    }
    if (pathname.startsWith('/control/services/')) {
      // Another site's page must not command the tree (CSRF): browsers send Origin on a POST.
      if (!sameOrigin(req)) {
        throw new HttpError(
          403,
          'FORBIDDEN_ORIGIN',
          'Commands are only taken from the inspector page itself.',
        );
      }
      return forward(req, res, pathname.slice('/control'.length));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `Use GET here, not ${req.method}.`, {
        allow: 'GET',
      });
    }
    if (pathname === '/cluster') return forwardCluster(req, res, controlUrl);
    if (pathname === '/healthz') {
      // `control` lets the CLI, pointed here by mistake, say where the control API is.
      return sendJson(res, 200, { ok: true, pages: clients.size, control: controlUrl ?? null });
    }
    return serveStatic(pathname, res);
  };

  const server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => answerFailure(req, res, e, logger, 'inspector'));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/ws' || !hostAllowed(req) || !sameOrigin(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => connect(ws));
  });
  let url: string;
  try {
    url = `${await listen(server, options.port ?? 0, host)}/`;
  } catch (e) {
    watchTops(false);
    model.dispose();
    stopStately?.();
    throw e;
  }
  logger.info({ url }, 'inspector listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(refreshTimer);
        clearTimeout(batchTimer);
        watchTops(false);
        model.dispose();
        stopStately?.();
        for (const ws of clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
