import { createActor } from 'xstate';
import { createControlServer, createService, createSupervisor, getTree, silentLogger } from '../src/index.ts';
let release!: () => void;
const gate = new Promise<void>(r => { release = r; });
const root = createSupervisor({ id: 'root', strategy: 'one-for-one', maxRestarts: 0, logger: silentLogger, children: [
  createService({ id: 'a', minPeriod: 10, iterate() {} , actions: { big: () => 10n, circ: () => { const o: any = {}; o.o = o; return o; } }}),
  createService({ id: 'slow', minPeriod: 10, iterate() {}, onStop: () => gate }),
]});
const actor = createActor(root).start();
await new Promise(r => setTimeout(r, 50));
const s = await createControlServer(actor, { logger: silentLogger });
const call = async (m: string, p: string, body?: string) => {
  const r = await fetch(s.url + p, { method: m, body });
  console.log(m, p, r.status, r.headers.get('allow'), (await r.text()).slice(0, 200));
};
await call('POST', '/actions/a/big');
await call('POST', '/actions/a/circ');
await call('POST', '/actions/a/toString');
await call('GET', '/services/a/restart');
await call('POST', '/tree');
await call('POST', '/actions/a/big', '{bad');
const p = call('POST', '/services/slow/stop');
await new Promise(r => setTimeout(r, 20));
await call('POST', '/services/slow/restart');
release();
await p;
await call('POST', '/services/a/fail');
console.log(getTree(actor).state);
await call('GET', '/healthz');
await call('GET', '/readyz');
await call('POST', '/services/a/restart');
await s.close(); actor.stop();
