import { http } from '../test/control/server-helpers.ts';
import { createActor } from 'xstate';
import { createControlServer, createService, createSupervisor, getTree, silentLogger } from '../src/index.ts';
const root = createSupervisor({ id: 'root', strategy: 'one-for-one', logger: silentLogger, children: [
  createService({ id: 'a', minPeriod: 10, iterate() {} }),
]});
const actor = createActor(root).start();
await new Promise(r => setTimeout(r, 50));
const s = await createControlServer(actor, { logger: silentLogger });
for (let i = 0; i < 5; i++) {
const before = getTree(actor).children![0]!.generation;
const rs = await Promise.all(Array.from({ length: 20 }, () => http(s.url, 'POST', '/services/a/restart')));
console.log(rs.filter(r => r.status === 200).length, getTree(actor).children![0]!.generation - before);
}
await s.close(); actor.stop();
