/**
 * A task pool shared by two queue workers under two supervisors: one limit for both, a slot
 * reserved for urgent orders, alarms never held back; its figures in getTree() and on
 * /metrics; a worker stopped while it waits for the pool keeps its tasks.
 *
 * Run: node --import tsx examples/task-pool/main.ts
 */
import { randomBytes } from 'node:crypto';
import {
  controlRequest,
  createQueueWorker,
  createSupervisor,
  createTaskPool,
  getTree,
  run,
  silentLogger,
  type TreeNode,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const token = randomBytes(16).toString('hex');

/** Waits, every 5 ms, until `ready()` holds; gives up after 10 s. */
async function until(what: string, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// Two slots in all; priority 10 and more may use both, below 10 only one; 100 is never held back.
const db = createTaskPool({ name: 'db', concurrency: 2, reserve: { 10: 1 }, unthrottled: 100 });

const started: string[] = [];
const finished: string[] = [];
// The handlers hold their slot until the example has shown the pool full: `go()` lets them end.
let go!: () => void;
const gate = new Promise<void>((resolve) => {
  go = resolve;
});
const work = async (task: string) => {
  started.push(task);
  say(`  start ${task} (pool: ${db.stats().inUse} in use of ${db.stats().limit})`);
  await gate;
  finished.push(task);
};

const reports = createQueueWorker({ id: 'reports', pool: db, concurrency: 2, handle: work });
const orders = createQueueWorker({ id: 'orders', pool: db, concurrency: 3, handle: work });
const exports = createQueueWorker({ id: 'exports', pool: db, stopPolicy: 'discard', handle: work });

const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  children: [
    createSupervisor({ id: 'back-office', children: [reports, exports] }),
    createSupervisor({ id: 'shop', children: [orders] }),
  ],
});

say('1. Three reports (priority 0): one slot is kept for priority 10, so one report runs.');
for (const r of ['report-1', 'report-2', 'report-3']) reports.put(r);
const handle = run(root, { logger: silentLogger, exit: false, control: { port: 0, token } });
const { control } = await handle.ready;
await until('report-1', () => started.includes('report-1'));

say('2. An order of priority 10 takes the reserved slot; a second one waits.');
orders.put('order-1', { priority: 10 });
orders.put('order-2', { priority: 10 });
await until('order-1', () => started.includes('order-1'));

say('3. An alarm of priority 100 runs at once, though the pool is full.');
orders.put('alarm', { priority: 100 });
await until('alarm', () => started.includes('alarm'));

say('4. An export waits for the pool; its worker is stopped meanwhile: the task stays queued.');
exports.put('export-1');
await until('export-1 waiting', () => (db.stats().waiting['0'] ?? 0) === 3);
await controlRequest(control!.url, 'POST', '/services/back-office/exports/stop', { token });
say(`  exports stopped; still queued: ${exports.pending().join(', ')}`);

say('5. The pool, as the tree and /metrics show it:');
const node = (t: TreeNode, path: string[]): TreeNode =>
  path.reduce((n, id) => n.children!.find((c) => c.id === id)!, t);
const shop = node(getTree(handle.actor), ['shop', 'orders']);
say(`  tree: shop/orders pool ${JSON.stringify(shop.details!.pool)}`);
const metrics = await fetch(`${control!.url}/metrics`, {
  headers: { authorization: `Bearer ${token}` },
});
for (const line of (await metrics.text()).split('\n')) {
  if (line.startsWith('xstate_supervisor_pool_')) say(`  metrics: ${line}`);
}

say('6. The running tasks end: each free slot goes to the most urgent, then the oldest task.');
go();
await until('every report', () => finished.includes('report-3'));
say(`order of starts: ${started.join(', ')}`);
say(`pool at the end: ${JSON.stringify(db.stats())}`);
await handle.stop();
say('done');
