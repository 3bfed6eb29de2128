import { createActor } from 'xstate';
import { createService, createSupervisor, getTree, silentLogger } from '../src/index.ts';
import { createHash } from 'node:crypto';
const groups = Array.from({ length: 5 }, (_, g) => createSupervisor({ id: `group-${g}`, strategy: 'one-for-one', children: Array.from({ length: 10 }, (_, i) => createService({ id: `worker-${g}-${i}`, minPeriod: 1_000, iterate() {} })) }));
const actor = createActor(createSupervisor({ id: 'root', strategy: 'one-for-one', logger: silentLogger, children: groups })).start();
await new Promise(r => setTimeout(r, 200));
const N = 20000;
for (const [name, f] of [['getTree', () => getTree(actor)], ['stringify', (() => { const t = getTree(actor); return () => JSON.stringify(t); })()], ['sha256', () => createHash('sha256').update('Bearer bench-token').digest()], ['URL', () => new URL('/tree', 'http://control')]] as const) {
  for (let i = 0; i < 2000; i++) (f as () => unknown)();
  const t0 = performance.now(); for (let i = 0; i < N; i++) (f as () => unknown)(); console.log(name, ((performance.now() - t0) / N * 1000).toFixed(1), 'µs');
}
actor.stop();
