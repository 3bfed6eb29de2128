import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
const x: number = 1;
if (isMainThread) {
  const w = new Worker(new URL(import.meta.url), { workerData: { a: 2 } });
  w.on('message', (m) => { console.log('got', m); });
  w.on('error', (e) => console.error('err', e));
} else {
  parentPort!.postMessage({ x, d: workerData });
}
