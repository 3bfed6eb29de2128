/**
 * The page's way to the control API: its commands (`POST /control/services/...`) and the
 * cluster view (`GET /cluster`) are forwarded with the page's token, so the page speaks to
 * one origin and the control API keeps checking the token itself.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientGoneError, HttpError, readBody } from '../control/http.ts';
import { toError } from '../core/errors.ts';

/**
 * Asks the control API at `url` whether it wants a token: a 401 on `GET /tree` means yes,
 * and so does no answer within 2 s (the page then asks for one rather than fail blind).
 * @internal
 *
 * @example
 * ```ts
 * const tokenRequired = await probeTokenRequired('http://127.0.0.1:9464'); // true with a token
 * ```
 */
export async function probeTokenRequired(url: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/tree', url), { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.status === 401;
  } catch {
    return true;
  }
}

function controlDisabled(): HttpError {
  return new HttpError(503, 'CONTROL_DISABLED', 'The inspector was started without a control API.');
}

function unreachable(controlUrl: string, e: unknown): HttpError {
  return new HttpError(
    503,
    'CONTROL_UNREACHABLE',
    `The control API at ${controlUrl} did not answer (${toError(e).message}).`,
  );
}

/** The page's token, passed on as it came: the control API compares it, not the inspector. */
function passToken(req: IncomingMessage): Record<string, string> {
  return req.headers.authorization ? { authorization: req.headers.authorization } : {};
}

/**
 * Forwards one of the page's commands (`target`, a control API path such as
 * `/services/db/restart`) to the control API at `controlUrl` and answers with what it
 * answered. The body goes as it came: the control API validates it (decision 0058). 503
 * `CONTROL_DISABLED` without a control API, 405 for anything but `POST`, 503
 * `CONTROL_UNREACHABLE` or 502 `CONTROL_ANSWER_CUT` when the control API fails; a page that
 * leaves while the command runs rejects with `ClientGoneError` (nobody is left to answer).
 * @internal
 *
 * @example
 * ```ts
 * return forwardCommand(req, res, '/services/db/restart', 'http://127.0.0.1:9464');
 * ```
 */
export async function forwardCommand(
  req: IncomingMessage,
  res: ServerResponse,
  target: string,
  controlUrl: string | undefined,
): Promise<void> {
  if (!controlUrl) throw controlDisabled();
  if (req.method !== 'POST') {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `Use POST here, not ${req.method}.`, {
      allow: 'POST',
    });
  }
  const payload = await readBody(req);
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  let answer: Response;
  try {
    const headers = passToken(req);
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
    throw unreachable(controlUrl, e);
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
}

/**
 * Answers the page's `GET /cluster` with what the control API at `controlUrl` answers to its
 * own `GET /cluster` (its status too: 404 `NO_CLUSTER` when the replica joined none), passing
 * the page's `authorization` header on. 503 `CONTROL_DISABLED` without a control API.
 * @internal
 *
 * @example
 * ```ts
 * if (pathname === '/cluster') return forwardCluster(req, res, controlUrl);
 * ```
 */
export async function forwardCluster(
  req: IncomingMessage,
  res: ServerResponse,
  controlUrl: string | undefined,
): Promise<void> {
  if (!controlUrl) throw controlDisabled();
  let answer: Response;
  let body: string;
  try {
    answer = await fetch(new URL('/cluster', controlUrl), {
      headers: passToken(req),
      signal: AbortSignal.timeout(5_000),
    });
    body = await answer.text();
  } catch (e) {
    throw unreachable(controlUrl, e);
  }
  res.writeHead(answer.status, {
    'content-type': answer.headers.get('content-type') ?? 'application/json',
    'cache-control': 'no-store',
  });
  res.end(body);
}
