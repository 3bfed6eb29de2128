/**
 * Recipe (docs/recipes/graceful-shutdown.md): what a load balancer or Kubernetes sees when it
 * sends SIGTERM to an app run with `run()`. It starts app.ts as a real process, starts a slow
 * request, sends SIGTERM, and shows that readiness turns red at once, requests are still
 * served during the shutdown delay, the request in flight is answered, new connections are
 * refused once the server has stopped, and the process exits 0.
 *
 * Run: node --import tsx examples/recipes/graceful-shutdown/main.ts
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const app = spawn(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('app.ts', import.meta.url))],
  {
    env: { ...process.env, PORT: '0', CONTROL_PORT: '0', SHUTDOWN_DELAY: '3000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const guard = setTimeout(() => app.kill('SIGKILL'), 20_000); // never leave it running
let out = '';
const printed = (pattern: RegExp) =>
  new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(out);
      if (m) {
        app.stdout.off('data', onData);
        resolve(m);
      }
    };
    const onData = (d: Buffer) => {
      out += d.toString();
      check();
    };
    app.stdout.on('data', onData);
    app.once('exit', () => reject(new Error(`app exited before printing ${pattern}:\n${out}`)));
    check();
  });

const [, api, control] = await printed(/^api (\S+) control (\S+)$/m);
const ready = () =>
  fetch(`${control}/readyz`).then(
    (r) => r.status,
    () => 'refused',
  );
console.log(`before SIGTERM: /readyz ${await ready()}`);

const slow = fetch(`${api}/slow`).then(async (r) => `${r.status} ${await r.text()}`);
await printed(/^slow request started$/m);
app.kill('SIGTERM');
const exited = once(app, 'exit');

// The signal is handled asynchronously: ask until readiness turns red (bounded by the guard).
let during = await ready();
while (during === 200) during = await ready();
console.log(`during the shutdown delay: /readyz ${during}`);
const late = await fetch(`${api}/`).then((r) => r.status);
console.log(`a new request during the delay: ${late}`);
console.log(`the request in flight: ${await slow}`);
// Once the app has exited, nothing listens any more.
const [code] = await exited;
console.log(
  `a new request after the drain: ${await fetch(`${api}/`).then(
    (r) => r.status,
    () => 'refused',
  )}`,
);
clearTimeout(guard);
console.log(`app exited with code ${code}`);
