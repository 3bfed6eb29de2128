/**
 * The application of the graceful-shutdown recipe (docs/recipes/graceful-shutdown.md): an HTTP
 * API and the control API's probes, run with `run()`. main.ts starts it and sends it SIGTERM.
 */
import type { RequestListener } from 'node:http';
import { createHttpService, createSupervisor, getTree, run } from '../../../src/index.ts';

const serve: RequestListener = (req, res) => {
  if (req.url === '/slow') {
    console.log('slow request started');
    setTimeout(() => res.end('slow answer'), 2_000); // a request still running at SIGTERM
    return;
  }
  res.end('ok');
};

const api = createHttpService({
  id: 'api',
  host: process.env.HOST ?? '127.0.0.1', // '0.0.0.0' in a container
  port: Number(process.env.PORT ?? 8080),
  serve,
  gracePeriod: 20_000, // requests in flight get up to 20 s once the stop begins
});

const handle = run(createSupervisor({ id: 'root', children: [api] }), {
  // On SIGTERM: /readyz turns red at once, requests are still served for this long while the
  // load balancer stops sending new ones, then the graceful stop begins.
  shutdownDelay: Number(process.env.SHUTDOWN_DELAY ?? 5_000),
  shutdownTimeout: 25_000, // the stop itself; delay + timeout < terminationGracePeriodSeconds
  control: {
    host: process.env.CONTROL_HOST ?? '127.0.0.1',
    port: Number(process.env.CONTROL_PORT ?? 9464), // /livez and /readyz for the probes
  },
});

const { control } = await handle.ready;
const { url } = getTree(handle.actor).children![0]!.details as { url: string };
console.log(`api ${url} control ${control?.url}`);
