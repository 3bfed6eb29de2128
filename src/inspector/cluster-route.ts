/**
 * The inspector's `GET /cluster`: the control API's cluster view (every replica, its root's
 * state, who holds which singleton, queue depths), read for the page with the page's token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../control/http.ts';
import { toError } from '../core/errors.ts';

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
  if (!controlUrl) {
    throw new HttpError(
      503,
      'CONTROL_DISABLED',
      'The inspector was started without a control API.',
    );
  }
  const headers: Record<string, string> = {};
  if (req.headers.authorization) headers.authorization = req.headers.authorization;
  let answer: Response;
  let body: string;
  try {
    answer = await fetch(new URL('/cluster', controlUrl), {
      headers,
      signal: AbortSignal.timeout(5_000),
    });
    body = await answer.text();
  } catch (e) {
    throw new HttpError(
      503,
      'CONTROL_UNREACHABLE',
      `The control API at ${controlUrl} did not answer (${toError(e).message}).`,
    );
  }
  res.writeHead(answer.status, {
    'content-type': answer.headers.get('content-type') ?? 'application/json',
    'cache-control': 'no-store',
  });
  res.end(body);
}
