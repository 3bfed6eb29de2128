/**
 * The inspector server: the built page, a WebSocket feed of the live tree at `/ws`, and the
 * control API's commands forwarded from the page. Node's `http` and `ws`, on 127.0.0.1.
 * This file only puts the parts together: the routes, the feed ({@link Broadcaster}), the
 * pages' sockets ({@link SocketLifecycle}), the page's files and the control proxy.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import {
  answerFailure,
  createHostCheck,
  forbiddenHost,
  HttpError,
  LOOPBACK,
  listen,
  sameOrigin,
  sendJson,
} from '../control/http.ts';
import { toError } from '../core/errors.ts';
import { createConsoleLogger } from '../core/logger.ts';
import type { AnyActorRef } from '../internal/xstate.ts';
import { Broadcaster } from './broadcaster.ts';
import { forwardCluster, forwardCommand, probeTokenRequired } from './control-proxy.ts';
import { displayId, InspectorModel } from './model.ts';
import type { ControlInfo } from './protocol.ts';
import {
  checkInspectorOptions,
  INSPECTOR_DEFAULTS,
  type InspectorServerOptions,
} from './server-options.ts';
import { SocketLifecycle } from './socket-lifecycle.ts';
import { forwardToStately } from './stately.ts';
import { PAGE_DIR, serveFile } from './static-files.ts';

export type { InspectorControlOptions, InspectorServerOptions } from './server-options.ts';
/** @internal The options' check, for `run()` (which checks its own options first). */
export { checkInspectorOptions } from './server-options.ts';

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
  /**
   * Stops listening, closes the pages' connections and stops observing the system; resolves
   * once every connection has ended.
   */
  close(): Promise<void>;
}

/** The page's commands: `POST /control/services/...` goes to `POST /services/...`. */
const COMMANDS = '/control/services/';

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
  const host = options.host ?? INSPECTOR_DEFAULTS.host;
  const hostAllowed = createHostCheck(host, options.allowedHosts);
  const logger = (options.logger ?? createConsoleLogger()).child({ component: 'inspector' });
  const title = options.title ?? displayId(actor);
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

  const feed = new Broadcaster<WebSocket>(
    { snapshot: () => model.snapshot(title, control), delta: () => model.delta() },
    options.batchInterval ?? INSPECTOR_DEFAULTS.batchInterval,
  );
  model.onChange = () => feed.schedule();
  const sockets = new SocketLifecycle({ model, feed, hostAllowed, logger });

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostAllowed(req)) throw forbiddenHost(req, 'inspector');
    let pathname: string;
    try {
      ({ pathname } = new URL(req.url ?? '/', 'http://inspector'));
    } catch {
      throw new HttpError(400, 'BAD_PATH', 'The request target is not a valid path.');
    }
    if (pathname.startsWith(COMMANDS)) {
      // Another site's page must not command the tree (CSRF): browsers send Origin on a POST.
      if (!sameOrigin(req)) {
        throw new HttpError(
          403,
          'FORBIDDEN_ORIGIN',
          'Commands are only taken from the inspector page itself.',
        );
      }
      return forwardCommand(req, res, pathname.slice('/control'.length), controlUrl);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `Use GET here, not ${req.method}.`, {
        allow: 'GET',
      });
    }
    if (pathname === '/cluster') return forwardCluster(req, res, controlUrl);
    if (pathname === '/healthz') {
      // `control` lets the CLI, pointed here by mistake, say where the control API is.
      return sendJson(res, 200, { ok: true, pages: sockets.pages, control: controlUrl ?? null });
    }
    return serveFile(PAGE_DIR, pathname, res);
  };

  const server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => answerFailure(req, res, e, logger, 'inspector'));
  });
  server.on('upgrade', (req, socket, head) => sockets.upgrade(req, socket, head));
  const stopObserving = (): Promise<void> => {
    const closed = sockets.close();
    model.dispose();
    stopStately?.();
    return closed;
  };
  let url: string;
  try {
    url = `${await listen(server, options.port ?? INSPECTOR_DEFAULTS.port, host)}/`;
  } catch (e) {
    await stopObserving();
    throw e;
  }
  logger.info({ url }, 'inspector listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= Promise.all([
        stopObserving(),
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
      ]).then(() => {});
      return closing;
    },
  };
}
