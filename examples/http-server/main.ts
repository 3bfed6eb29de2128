/**
 * An HTTP server as a supervised service: it listens on a free port on 127.0.0.1, answers a
 * request made to itself, then shuts down gracefully while a slow request is still in flight,
 * which completes before the server closes.
 *
 * `serve` is a plain Node request listener; an Express app, Fastify's `app.routing` or Hono's
 * `getRequestListener(app.fetch)` plug in the same way.
 *
 * Run: node --import tsx examples/http-server/main.ts
 */
import type { RequestListener } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createActor } from 'xstate';
import { createHttpService, createSupervisor, getTree, shutdown } from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

const serve: RequestListener = (req, res) => {
  if (req.url === '/slow') {
    // A request that takes 300 ms: the graceful stop waits for it.
    setTimeout(() => res.end('slow answer, delivered during the shutdown'), 300);
    return;
  }
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(`hello from ${req.url}`);
};

const api = createHttpService({
  id: 'api',
  port: 0, // any free port: getTree() shows the real one
  gracePeriod: 2_000,
  serve,
  onStart: () => say('api: onStart (open the database here)'),
  onStop: () => say('api: onStop (the listener is closed; close the database here)'),
});

const root = createSupervisor({ id: 'root', strategy: 'one-for-one', children: [api] });
const actor = createActor(root).start();
await new Promise<void>((resolve) => {
  const sub = actor.on('child.started', () => {
    sub.unsubscribe();
    resolve();
  });
});

const node = getTree(actor).children?.find((c) => c.id === 'api');
if (!node?.details) throw new Error('api is not in the tree');
const { url, port } = node.details as { url: string; port: number };
// Port 0 asked for any free port; the tree shows the one the system chose.
say(
  `api: ${node.state}, listening on a free port: ${port > 0 && url === `http://127.0.0.1:${port}`}`,
);

const res = await fetch(`${url}/hello`);
say(`GET /hello -> ${res.status} ${await res.text()}`);

const slow = fetch(`${url}/slow`).then((r) => r.text());
await sleep(50);
say('shutting down with /slow in flight');
const started = performance.now();
await shutdown(actor);
say(`GET /slow -> ${await slow}`);
say(`stopped within the grace period: ${performance.now() - started < 2_000}`);
const after = getTree(actor).children?.find((c) => c.id === 'api');
say(`api: ${after?.state}, listening: ${String(after?.details?.listening)}`);
