import { request } from 'node:http';
import { createActor } from 'xstate';
import { createControlServer, createService, createSupervisor, silentLogger } from '../src/index.ts';
const root = createSupervisor({ id: 'root', logger: silentLogger, children: [
  createService({ id: 'a', minPeriod: 10, iterate() {} , actions: { echo: (d) => d }}),
]});
const actor = createActor(root).start();
await new Promise(r => setTimeout(r, 50));
const s = await createControlServer(actor, { logger: silentLogger });
const u = new URL(s.url);
function send(chunked: boolean, size: number) {
  return new Promise((resolve) => {
    const body = Buffer.alloc(size, 0x20);
    const req = request({ host: u.hostname, port: u.port, path: '/actions/a/echo', method: 'POST', agent: false,
      headers: chunked ? {} : { 'content-length': String(size) } }, (res) => {
      let t = ''; res.setEncoding('utf8'); res.on('data', (d) => (t += d)); res.on('end', () => resolve([res.statusCode, t]));
    });
    req.on('error', (e) => resolve(['ERR', e.message]));
    if (chunked) { for (let i = 0; i < size; i += 65536) req.write(body.subarray(i, i + 65536)); req.end(); }
    else req.end(body);
  });
}
console.log('cl', await send(false, 1024 * 1024 + 1));
for (let i=0;i<10;i++) console.log('chunked', (await send(true, 8 * 1024 * 1024) as any)[0]);
console.log('chunked small', await send(true, 1000));
console.log('cl exactly', await send(false, 1024 * 1024));
await s.close(); actor.stop();
