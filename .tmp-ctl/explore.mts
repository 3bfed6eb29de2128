import { createActor } from 'xstate';
import { createControlServer, createService, createSupervisor, getTree, ActionError, silentLogger } from '/work/main/src/index.ts';

const leaf = createService({ id: 'leaf', minPeriod: 10, iterate() {}, actions: {
  echo: (d, ctx) => ({ d, gen: ctx.generation }),
  nothing: () => undefined,
  tea: () => { throw new ActionError(418, 'TEAPOT', 'short and stout'); },
  boom: () => { throw new Error('secret db password xyz'); },
}});
const root = createSupervisor({ id: 'root', strategy: 'one-for-one', logger: silentLogger, children: [
  createService({ id: 'a', minPeriod: 10, iterate() {} }),
  createSupervisor({ id: 'nested', strategy: 'one-for-one', children: [leaf] }),
]});
const actor = createActor(root).start();
await new Promise(r => setTimeout(r, 50));
const s = await createControlServer(actor, { logger: silentLogger });
const call = async (m: string, p: string, body?: string) => {
  const r = await fetch(s.url + p, { method: m, body });
  console.log(m, p, r.status, (await r.text()).slice(0, 300));
};
await call('GET', '/readyz');
await call('POST', '/services/nested/leaf/restart');
await call('POST', '/actions/nested/leaf/echo', '{"x":1}');
await call('POST', '/actions/nested/leaf/nothing');
await call('POST', '/actions/nested/leaf/tea');
await call('POST', '/actions/nested/leaf/boom');
await call('POST', '/services/nested/leaf/fail');
await call('GET', '/metrics');
await call('POST', '/services/nested/leaf/stop');
await call('POST', '/services/nested/leaf/stop');
await call('POST', '/actions/nested/leaf/echo', '{"x":1}');
await call('GET', '/readyz');
await call('GET', '/healthz');
await call('POST', '/services/nested/restart');
await call('GET', '/readyz');
await call('POST', '/shutdown');
await new Promise(r => setTimeout(r, 100));
console.log(getTree(actor).state);
await call('GET', '/healthz');
await call('GET', '/readyz');
await s.close();
