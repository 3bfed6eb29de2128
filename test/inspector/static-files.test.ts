/**
 * The page's files, served from a folder of our own over a real socket on 127.0.0.1: only
 * what is in the folder, with the right type and caching, and errors that say what to do.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerFailure, listen } from '../../src/control/http.ts';
import { serveFile } from '../../src/inspector/static-files.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';

let root: string;
let page: string;
let server: Server;
let url: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'xss-static-'));
  page = join(root, 'page');
  await mkdir(join(page, 'assets'), { recursive: true });
  await mkdir(join(root, 'page-other'));
  await mkdir(join(root, 'empty'));
  await writeFile(join(page, 'index.html'), '<!doctype html><title>inspector</title>');
  await writeFile(join(page, 'assets', 'app 1.js'), 'export {};');
  await writeFile(join(root, 'secret.txt'), 'not for the page');
  await writeFile(join(root, 'page-other', 'secret.txt'), 'not for the page either');
  const logger = createCapturingLogger();
  server = createServer((req, res) => {
    // The folder is chosen by the first segment: /page/... or /empty/...
    const [, folder = '', ...rest] = (req.url ?? '/').split('/');
    const dir = join(root, folder);
    serveFile(dir, `/${rest.join('/')}`, res).catch((e: unknown) =>
      answerFailure(req, res, e, logger, 'test'),
    );
  });
  url = await listen(server, 0, '127.0.0.1');
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

/** GET `path` as written: no client-side normalizing of `..` or escapes. */
function get(
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.end();
  });
}

describe('inspector page files', () => {
  it('serves index.html at /, never cached, with its type and nosniff', async () => {
    const res = await get('/page/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>inspector</title>');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves an asset by its escaped name, cached for an hour', async () => {
    const res = await get('/page/assets/app%201.js');
    expect(res.status).toBe(200);
    expect(res.body).toBe('export {};');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('max-age=3600');
  });

  it('answers 404 for a missing file', async () => {
    const res = await get('/page/assets/gone.js');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('never serves a file outside its folder, however the path is escaped', async () => {
    for (const path of [
      '/page/../secret.txt',
      '/page/%2e%2e/secret.txt',
      '/page/..%2fsecret.txt',
      '/page/%2e%2e/page-other/secret.txt',
    ]) {
      const res = await get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.body).not.toContain('not for the page');
    }
  });

  it('answers 400 for a malformed escape', async () => {
    const res = await get('/page/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'BAD_PATH' } });
  });

  it('answers 503 saying to build the page when there is no index.html', async () => {
    const res = await get('/empty/');
    expect(res.status).toBe(503);
    const { error } = JSON.parse(res.body) as { error: { code: string; message: string } };
    expect(error.code).toBe('PAGE_NOT_BUILT');
    expect(error.message).toContain('npm run build');
  });
});
