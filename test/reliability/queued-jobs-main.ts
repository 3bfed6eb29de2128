/**
 * The process the SIGTERM check runs: `run()` over a queue worker with `JOBS` tasks queued,
 * `READY` on stdout once it runs; on exit it writes what became of every job as one JSON line.
 * Not a test file: `queued-jobs.ts` spawns it with `node --import tsx`.
 */
import { writeSync } from 'node:fs';
import { createQueueWorker, createSupervisor, run, silentLogger } from '../../src/index.ts';

const jobs = Number(process.env.JOBS ?? 100);
const jobMs = Number(process.env.JOB_MS ?? 2);
const handled = new Map<number, number>();
const discarded = new Map<number, number>();
const bump = (m: Map<number, number>, n: number) => m.set(n, (m.get(n) ?? 0) + 1);

const worker = createQueueWorker({
  id: 'jobs',
  concurrency: 4,
  gracePeriod: 200,
  async handle(n: number, ctx) {
    // Real work takes real time: the 200 ms grace cannot drain them all (JOB_MS each, 4 at once).
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve();
      }, jobMs);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
    if (ctx.signal.aborted) throw ctx.signal.reason;
    bump(handled, n);
  },
  onDiscard(tasks: number[]) {
    for (const n of tasks) bump(discarded, n);
  },
});
for (let n = 0; n < jobs; n++) worker.put(n);

process.on('exit', (code) => {
  let lost = 0;
  let twice = 0;
  for (let n = 0; n < jobs; n++) {
    const seen = (handled.get(n) ?? 0) + (discarded.get(n) ?? 0);
    if (seen === 0) lost++;
    if (seen > 1) twice++;
  }
  const line = {
    jobs,
    handled: handled.size,
    discarded: discarded.size,
    lost,
    twice,
    pending: worker.pending().length,
    code,
  };
  writeSync(1, `RESULT ${JSON.stringify(line)}\n`);
});

const handle = run(createSupervisor({ id: 'root', children: [worker] }), { logger: silentLogger });
void handle.ready.then(() => writeSync(1, 'READY\n'));
