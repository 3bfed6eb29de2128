/**
 * The control API's bearer token: which paths need it, and the check in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.ts';

/** Open without a token: the probes, so that load balancers and Prometheus need no secret. */
const OPEN_PATHS: ReadonlySet<string> = new Set(['/healthz', '/livez', '/readyz', '/metrics']);
/** With `protectProbes`: liveness only, which names no child. */
const OPEN_PATHS_PROTECTED: ReadonlySet<string> = new Set(['/healthz', '/livez']);

/** `Bearer <token>`, the scheme case-insensitive (RFC 9110 §11.1). */
function normalizeAuthorization(header: string): string {
  return /^bearer /i.test(header) ? `Bearer ${header.slice(7)}` : header;
}

/** Both sides hashed to one length, so the compare cannot leak the token's length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Returns the check a request goes through before its path is resolved: it throws a 401
 * `HttpError` when `token` is set, `pathname` is not open, and the request's
 * `Authorization` is not `Bearer <token>`. Without a token, every request passes.
 *
 * @example
 * ```ts
 * const checkToken = createTokenCheck('s3cret', { protectProbes: true });
 * checkToken(req, '/metrics'); // throws HttpError 401 without `Authorization: Bearer s3cret`
 * ```
 */
export function createTokenCheck(
  token: string | undefined,
  { protectProbes = false }: { protectProbes?: boolean | undefined } = {},
): (req: IncomingMessage, pathname: string) => void {
  if (token === undefined) return () => {};
  const expected = digest(`Bearer ${token}`);
  const open = protectProbes ? OPEN_PATHS_PROTECTED : OPEN_PATHS;
  return (req, pathname) => {
    if (open.has(pathname)) return;
    const given = digest(normalizeAuthorization(req.headers.authorization ?? ''));
    if (!timingSafeEqual(given, expected)) {
      throw new HttpError(
        401,
        'UNAUTHORIZED',
        'A valid `Authorization: Bearer <token>` header is required.',
        { 'www-authenticate': 'Bearer' },
      );
    }
  };
}
