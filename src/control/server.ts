/**
 * The control API (servicefactory's idea, done safely): read the tree, probe health and
 * readiness, scrape metrics, command services, send events to supervised actors, call their
 * actions, shut down. Node's `http`, bound to 127.0.0.1 unless told otherwise.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { shutdown } from '../actors/shutdown.ts';
import { getTree } from '../actors/tree.ts';
import { toError, XstateSupervisorError } from '../core/errors.ts';
import { createConsoleLogger, type Logger } from '../core/logger.ts';
import type { AnyActorRef } from '../internal/xstate.ts';
import {
  answerFailure,
  checkListenOptions,
  createHostCheck,
  forbiddenHost,
  HttpError,
  LOOPBACK,
  listen,
  sameOrigin,
  sendJson,
} from './http.ts';
import { createTreeMetrics } from './metrics.ts';
import {
  clusterRoute,
  handleAction,
  handleCommand,
  handleSend,
  healthz,
  readyz,
} from './routes.ts';
import { createTokenCheck } from './token.ts';

/**
 * Options of {@link createControlServer}.
 *
 * Gotcha: without `token`, anyone who can reach the port can stop your services; keep the
 * default loopback `host`, or set a token.
 *
 * @example
 * ```ts
 * const options: ControlServerOptions = { port: 9464, host: '0.0.0.0', token: 's3cret' };
 * const control = await createControlServer(actor, options);
 * ```
 */
export interface ControlServerOptions {
  /**
   * The port; 0 picks a free one (the real one is in `url`).
   * @default 0
   */
  port?: number;
  /**
   * The address to bind. Anything but loopback without a `token` logs a warning.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Host names the API may be reached by besides loopback names and `host` (the name a proxy
   * in front forwards, say); `'*'` accepts any. A request naming any other host is refused
   * with 403 `FORBIDDEN_HOST`, so a web page that rebinds its DNS name to 127.0.0.1 cannot
   * use the API. Bound to every interface (`0.0.0.0`, `::`), any host is accepted.
   * @default []
   */
  allowedHosts?: string[];
  /**
   * When set, every request but `/healthz`, `/readyz` and `/metrics` needs
   * `Authorization: Bearer <token>` (compared in constant time).
   *
   * Gotcha: the open probes still tell anyone who can reach the port which children exist:
   * `/metrics` lists every path, `/readyz` the paths not running. Set `protectProbes` to
   * close them too.
   * @default undefined (no token)
   */
  token?: string;
  /**
   * Require the token on `/readyz` and `/metrics` as well, so that nothing but `/healthz`
   * (the root's state, no paths) answers without it. Needs `token`; give your readiness
   * probe and Prometheus the token (`authorization` in a scrape config).
   * @default false
   */
  protectProbes?: boolean;
  /**
   * Where errors of actions and the server are logged.
   * @default a console logger on stderr
   */
  logger?: Logger;
  /**
   * What `POST /shutdown` does after answering 202.
   * @default a graceful `shutdown(actor)`
   */
  onShutdown?: () => unknown;
  /**
   * Whether the application is shutting down: while it says so, `/readyz` answers 503 with
   * `shuttingDown: true`, so load balancers stop sending traffic before the drain (`run()`'s
   * `shutdownDelay` sets it for you).
   * @default never
   */
  draining?: () => boolean;
}

/**
 * A running control server, as {@link createControlServer} (or `run()`'s `handle.control`)
 * gives it.
 *
 * @example
 * ```ts
 * const control: ControlServer = await createControlServer(actor, { port: 0 });
 * const tree = await (await fetch(`${control.url}/tree`)).json();
 * await control.close();
 * ```
 */
export interface ControlServer {
  /** `http://host:port`, with the real port. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const KNOWN_OPTIONS = [
  'port',
  'host',
  'allowedHosts',
  'token',
  'protectProbes',
  'logger',
  'onShutdown',
  'draining',
];

function invalid(caller: string, option: string, expected: string, got: unknown): never {
  throw new XstateSupervisorError(
    'CONTROL_OPTION_INVALID',
    `${caller}: expected \`${option}\` to be ${expected}, got ${JSON.stringify(got)}.`,
  );
}

/**
 * Validates control server options at once (a misspelt `token` must never turn auth off).
 * @internal
 */
export function checkControlOptions(options: object, caller: string): void {
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new XstateSupervisorError(
        'CONTROL_OPTION_UNKNOWN',
        `${caller}: unknown control option \`${key}\`; known options are ${KNOWN_OPTIONS.join(', ')}.`,
      );
    }
  }
  checkListenOptions(o, (option, expected, got) => invalid(caller, option, expected, got));
  if (o.token !== undefined && (typeof o.token !== 'string' || o.token === '')) {
    invalid(caller, 'token', 'a non-empty string', o.token);
  }
  if (o.protectProbes !== undefined && typeof o.protectProbes !== 'boolean') {
    invalid(caller, 'protectProbes', 'a boolean', o.protectProbes);
  }
  if (o.draining !== undefined && typeof o.draining !== 'function') {
    invalid(caller, 'draining', 'a function returning a boolean', typeof o.draining);
  }
  // Asked to protect the probes with nothing to protect them with: refuse, never serve open.
  if (o.protectProbes === true && o.token === undefined) {
    invalid(caller, 'protectProbes', 'used with a `token` (the probes would stay open)', true);
  }
}

/** Splits `/a/b%2Fc` into decoded segments; a malformed escape is a 400. */
function segmentsOf(pathname: string): string[] {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, 'BAD_PATH', `The path "${pathname}" has a malformed escape.`);
  }
}

function allow(req: IncomingMessage, method: 'GET' | 'POST'): void {
  if (req.method !== method) {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `Use ${method} here, not ${req.method}.`, {
      allow: method,
    });
  }
}

/**
 * Starts the control API for a supervision tree on 127.0.0.1 (by default).
 *
 * @example
 * ```ts
 * const actor = createActor(root).start();
 * const token = process.env.TOKEN;
 * const control = await createControlServer(actor, token ? { port: 0, token } : { port: 0 });
 * console.log(`control API on ${control.url}`);
 * // curl -H "Authorization: Bearer $TOKEN" ${control.url}/tree
 * await control.close();
 * ```
 */
export async function createControlServer(
  actor: AnyActorRef,
  options: ControlServerOptions = {},
): Promise<ControlServer> {
  checkControlOptions(options, 'createControlServer');
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const logger = (options.logger ?? createConsoleLogger()).child({ component: 'control' });
  if (!LOOPBACK.has(host) && options.token === undefined) {
    logger.warn(
      { host },
      'control API bound to a non-loopback address without a token: anyone who can reach it can stop your services',
    );
  }
  const checkToken = createTokenCheck(options.token, { protectProbes: options.protectProbes });
  const hostAllowed = createHostCheck(host, options.allowedHosts);
  const metrics = createTreeMetrics(actor);
  const onShutdown = options.onShutdown ?? (() => shutdown(actor));
  /** `POST /shutdown` came: not ready from then on, whoever does the stopping. */
  let shutdownRequested = false;
  const isDraining = options.draining;
  const draining = () => shutdownRequested || (isDraining?.() ?? false);

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // DNS rebinding: a page of another site, its name rebound to 127.0.0.1, is same-origin
    // with itself; only its Host header (its own name) gives it away.
    if (!hostAllowed(req)) throw forbiddenHost(req, 'control API');
    // An unparseable target is the client's error: a 400, never a logged 500 (and before auth,
    // since nothing is resolved from it).
    let pathname: string;
    try {
      ({ pathname } = new URL(req.url ?? '/', 'http://control'));
    } catch {
      throw new HttpError(400, 'BAD_PATH', 'The request target is not a valid path.');
    }
    // A web page of another site must not command the tree (CSRF: a form or a fetch with no
    // body needs no preflight). Browsers send Origin on such requests; curl and perform() don't.
    if (!sameOrigin(req)) {
      throw new HttpError(
        403,
        'FORBIDDEN_ORIGIN',
        `Requests from web pages of other origins are refused (Origin: ${req.headers.origin}).`,
      );
    }
    checkToken(req, pathname);
    const segments = segmentsOf(pathname);
    const [head, ...rest] = segments;
    if (segments.length === 1 && head === 'tree') {
      allow(req, 'GET');
      return sendJson(res, 200, getTree(actor));
    }
    // `/livez` is Kubernetes' name for liveness, `/healthz` the older one: the same answer.
    if (segments.length === 1 && (head === 'healthz' || head === 'livez')) {
      allow(req, 'GET');
      const h = healthz(actor);
      return sendJson(res, h.ok ? 200 : 503, h);
    }
    if (segments.length === 1 && head === 'readyz') {
      allow(req, 'GET');
      if (draining()) {
        return sendJson(res, 503, { ...readyz(actor), ready: false, shuttingDown: true });
      }
      const r = readyz(actor);
      return sendJson(res, r.ready ? 200 : 503, r);
    }
    if (segments.length === 1 && head === 'cluster') {
      allow(req, 'GET');
      return sendJson(res, 200, await clusterRoute(actor));
    }
    if (segments.length === 1 && head === 'metrics') {
      allow(req, 'GET');
      const text = await metrics.scrape();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (segments.length === 1 && head === 'shutdown') {
      allow(req, 'POST');
      shutdownRequested = true;
      sendJson(res, 202, { shuttingDown: true });
      logger.info('shutdown requested over the control API');
      setImmediate(() => {
        Promise.resolve()
          .then(onShutdown)
          .catch((e: unknown) => logger.error({ err: toError(e) }, 'shutdown failed'));
      });
      return;
    }
    if (head === 'services' && rest.length >= 2) {
      allow(req, 'POST');
      if (rest[rest.length - 1] === 'send') {
        return sendJson(res, 202, await handleSend(actor, rest.slice(0, -1), req));
      }
      return sendJson(res, 200, await handleCommand(actor, rest));
    }
    if (head === 'actions' && rest.length >= 2) {
      allow(req, 'POST');
      return sendJson(res, 200, await handleAction(actor, rest, req, logger));
    }
    throw new HttpError(404, 'NOT_FOUND', `No route ${req.method} ${pathname}.`);
  };

  const server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => answerFailure(req, res, e, logger, 'control'));
  });
  const url = await listen(server, port, host);
  logger.info({ url }, 'control API listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        metrics.dispose();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
