import { createActor } from 'xstate';
import { createControlServer, createService, createSupervisor, getTree, silentLogger } from '../src/index.ts';
const root = createSupervisor({ id: 'root', strategy: 'one-for-one', logger: silentLogger, children: [
  createService({ id: 'a', minPeriod: 10, iterate() {} }),
  createSupervisor({ id: 'nested', strategy: 'one-for-one', children: [createService({ id: 'leaf', minPeriod: 10, iterate() {} })] }),
]});
const actor = createActor(root).start();
await new Promise(r => setTimeout(r, 50));
const s = await createControlServer(actor, { logger: silentLogger });
const m1 = await (await fetch(s.url + '/metrics')).text();
console.log((await fetch(s.url + '/services/nested/leaf/fail', {method:'POST'})).status);
const m2 = await (await fetch(s.url + '/metrics')).text();
console.log(m2.split('\n').filter(l => l.includes('nested')).join('\n'));
console.log(JSON.stringify(getTree(actor)).slice(0,400));
await s.close(); actor.stop();
