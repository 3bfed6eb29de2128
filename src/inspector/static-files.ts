/**
 * The built inspector page (`inspector/dist/`), served as files: nothing outside that folder,
 * `index.html` never cached (a new build shows at once), its hashed assets cached an hour.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpError } from '../control/http.ts';

/**
 * Where `npm run build` puts the page, from this file in `src/` or `dist/`.
 * @internal
 *
 * @example
 * ```ts
 * await serveFile(PAGE_DIR, '/', res); // inspector/dist/index.html
 * ```
 */
export const PAGE_DIR = fileURLToPath(new URL('../../inspector/dist/', import.meta.url));

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

/**
 * Answers `GET pathname` with the file of that name under `dir` (`/` is `index.html`).
 * Throws an `HttpError`: 400 `BAD_PATH` for a malformed escape, 404 `NOT_FOUND` for a missing
 * file or a path that leaves `dir` (`/../`, `%2e%2e`), 503 `PAGE_NOT_BUILT` when even
 * `index.html` is missing.
 * @internal
 *
 * @example
 * ```ts
 * await serveFile(PAGE_DIR, '/assets/index-3f2a.js', res);
 * ```
 */
export async function serveFile(dir: string, pathname: string, res: ServerResponse): Promise<void> {
  let relative: string;
  try {
    relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
  } catch {
    throw new HttpError(400, 'BAD_PATH', `The path "${pathname}" has a malformed escape.`);
  }
  const file = normalize(join(dir, relative));
  if (!file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) {
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
}
