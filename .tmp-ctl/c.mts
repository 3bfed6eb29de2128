import { request } from 'node:http';
import { createActor } from 'xstate';
import { createControlServer, createService, createSupervisor, getTree, silentLogger } from '../src/index.ts';
const root = createSupervisor({ id: 'root', strategy: 'one-for-one', logger: silentLogger, children: [
  createService({ id: 'a', minPeriod: 10, iterate() {} }),
]});
const actor = createActor(root).start();
await new Promise(r => setTimeout(r, 50));
const s = await createControlServer(actor, { logger: silentLogger });
for (const cmd of ['restart', 'hard-reset']) {
const before = getTree(actor).children![0]!.generation;
const rs = await Promise.all(Array.from({ length: 20 }, () => fetch(`${s.url}/services/a/${cmd}`, { method: 'POST' }).then(async r => [r.status, await r.json()])));
const ok = rs.filter(r => r[0] === 200).length;
console.log(cmd, ok, rs.filter(r => r[0] === 409).map(r => (r[1] as any).error.code).join(','), getTree(actor).children![0]!.generation - before);
}
await s.close(); actor.stop();
