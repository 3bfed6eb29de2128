/**
 * A fake control server for the CLIENT tests (perform, controlRequest, the CLI): a real
 * node:http server on 127.0.0.1 that answers a few routes the way SPEC §7 says the real one
 * does, plus routes that misbehave on purpose (hang, stall, answer text). It is the client's
 * peer, not the thing under test; the real server has its own tests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TreeNode } from '../../src/core/tree-node.ts';

export const FAKE_TREE: TreeNode = {
  id: 'root',
  kind: 'supervisor',
  state: 'running',
  generation: 0,
  failures: 0,
  restarts: 0,
  children: [
    {
      id: 'workers',
      kind: 'supervisor',
      state: 'running',
      generation: 0,
      failures: 0,
      restarts: 1,
      children: [
        {
          id: 'poller',
          kind: 'service',
          state: 'running',
          generation: 2,
          iterations: 17,
          failures: 1,
          restarts: 0,
          lastError: { message: 'ECONNRESET\n    at socket', at: 0 },
        },
      ],
    },
    {
      id: 'db',
      kind: 'service',
      state: 'stopped',
      generation: 1,
      iterations: 0,
      failures: 0,
      restarts: 0,
    },
  ],
};

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface FakeControlServer {
  /** `http://127.0.0.1:<port>`, like the real server's `url`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Routes (`GET /tree`) that never answer, to test timeouts. */
  readonly hang: Set<string>;
  /** What `/healthz` and `/readyz` report. */
  health: { failed: boolean; notRunning: string[] };
  /** Resolves when the next request has been received (its body read). */
  nextRequest(): Promise<RecordedRequest>;
  /** Stops listening and destroys every connection, hanging ones included. */
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(text);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, { error: { code, message } });
}

const OPEN = new Set(['/healthz', '/readyz', '/metrics']);

function answer(
  fake: FakeControlServer,
  token: string | undefined,
  req: RecordedRequest,
  res: ServerResponse,
) {
  const { pathname } = new URL(req.url, 'http://fake');
  const key = `${req.method} ${pathname}`;
  if (
    token !== undefined &&
    !OPEN.has(pathname) &&
    req.headers.authorization !== `Bearer ${token}`
  ) {
    return fail(
      res,
      401,
      'UNAUTHORIZED',
      'A valid `Authorization: Bearer <token>` header is required.',
    );
  }
  if (fake.hang.has(key)) return; // never answers
  const post = req.method === 'POST';
  switch (key) {
    case 'GET /tree':
      return json(res, 200, FAKE_TREE);
    case 'GET /healthz':
      return json(res, fake.health.failed ? 503 : 200, {
        ok: !fake.health.failed,
        state: fake.health.failed ? 'failed' : 'running',
      });
    case 'GET /readyz': {
      const { notRunning } = fake.health;
      return json(res, notRunning.length ? 503 : 200, { ready: !notRunning.length, notRunning });
    }
    case 'GET /metrics':
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return void res.end('xstate_supervisor_restarts_total{path="workers"} 1\n');
    case 'POST /shutdown':
      return json(res, 202, { shuttingDown: true });
    case 'POST /actions/workers/poller/echo':
      return json(res, 200, { received: JSON.parse(req.body) as unknown });
    case 'POST /actions/workers/poller/nothing':
      return json(res, 200, null);
    case 'POST /actions/workers/poller/boom':
      return fail(res, 500, 'INTERNAL', 'Action "boom" failed; see the server log.');
    case 'POST /actions/workers/poller/teapot':
      return fail(res, 418, 'TEAPOT', 'I am a teapot.');
    case 'POST /actions/db/echo':
      return fail(
        res,
        409,
        'NOT_RUNNING',
        'Service "db" is stopped; actions run only while it runs.',
      );
    case 'POST /actions/workers/poller/text':
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('ok');
    case 'POST /actions/workers/poller/proxy-error':
      res.writeHead(502, { 'content-type': 'text/html' });
      return void res.end('<html>Bad Gateway</html>');
    case 'POST /actions/workers/poller/stall':
      // Headers, then half a body, then nothing.
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.write('{"partial":');
    case 'POST /services/workers/poller/restart':
      return json(res, 200, { ...FAKE_TREE.children![0]!.children![0]!, generation: 3 });
    case 'POST /services/db/stop':
      return fail(res, 409, 'ALREADY_STOPPED', 'Cannot stop child "db" of "root": it is stopped.');
  }
  if (!post && /^\/(actions|services|shutdown)/.test(pathname)) {
    return fail(res, 405, 'METHOD_NOT_ALLOWED', `Use POST here, not ${req.method}.`);
  }
  if (pathname.startsWith('/actions/workers/poller/')) {
    return fail(
      res,
      404,
      'UNKNOWN_ACTION',
      `Service "workers/poller" has no action "${pathname.split('/').pop()}".`,
    );
  }
  if (pathname.startsWith('/actions/') || pathname.startsWith('/services/')) {
    return fail(res, 404, 'UNKNOWN_CHILD', `No child at path "${pathname}".`);
  }
  return fail(res, 404, 'NOT_FOUND', `No route ${req.method} ${pathname}.`);
}

/** Starts the fake on 127.0.0.1, port 0. With `token`, it checks the bearer like SPEC §7. */
export async function startFakeControlServer(
  options: { token?: string } = {},
): Promise<FakeControlServer> {
  const waiting: Array<(request: RecordedRequest) => void> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      fake.requests.push(recorded);
      for (const resolve of waiting.splice(0)) resolve(recorded);
      answer(fake, options.token, recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeControlServer = {
    url: `http://127.0.0.1:${port}`,
    requests: [],
    hang: new Set(),
    health: { failed: false, notRunning: [] },
    nextRequest: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return fake;
}

/** A URL where nothing listens: a port the OS just gave out and took back. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
