/**
 * Worker-thread services, real time: what isolation costs at start and at restart.
 *
 * - start: `createActor(service).start()` until the actor is `running` (for a worker-thread
 *   service: a Worker created, the entry and the module loaded, `onThreadStart` run).
 * - restart: `child.restart` sent to a one-for-one supervisor until its `child.restarted`
 *   report (the old generation stopped, its thread gone, a new one running).
 * Each figure is the median of RUNS; the in-process service (same pacing, a trivial iterate)
 * is the baseline. The thread's module is plain JavaScript (a `data:` URL), as in production;
 * in this dev setup the entry itself is TypeScript loaded through tsx, which adds to the
 * worker-thread figures.
 */
import { createActor } from 'xstate';
import { getTree } from '../src/actors/tree.ts';
import { silentLogger } from '../src/core/logger.ts';
import { createWorkerService } from '../src/isolation/worker-service.ts';
import { createService, type ServiceMachine } from '../src/machines/service.ts';
import { createSupervisor } from '../src/machines/supervisor.ts';
import {
  type Bench,
  fmtMs,
  fmtRatio,
  type Headline,
  median,
  printTable,
  runIfMain,
} from './harness.ts';

const RUNS = Number(process.env.ISOLATION_RUNS ?? 20);
const JOB =
  'data:text/javascript,export async function iterate(){await new Promise(r=>setTimeout(r,5))}';

const inProcess = (): ServiceMachine =>
  createService({
    id: 'svc',
    logger: silentLogger,
    iterate: () => new Promise((resolve) => setTimeout(resolve, 5)),
  });
const inThread = (): ServiceMachine =>
  createWorkerService({ id: 'svc', module: JOB, logger: silentLogger, gracePeriod: 1_000 });

async function startTimes(make: () => ServiceMachine): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const actor = createActor(make());
    const running = new Promise<void>((resolve) => {
      const sub = actor.subscribe((s) => {
        if (s.matches('running')) {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    actor.start();
    await running;
    times.push(performance.now() - t0);
    actor.stop();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return times;
}

/** Polls the tree (every event-loop turn) until the child runs generation `generation`. */
async function childRuns(actor: { getSnapshot(): unknown }, generation: number): Promise<void> {
  for (;;) {
    const child = getTree(actor as Parameters<typeof getTree>[0]).children?.[0];
    if (child?.state === 'running' && child.generation === generation) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function restartTimes(make: () => ServiceMachine): Promise<number[]> {
  const root = createSupervisor({
    id: 'root',
    strategy: 'one-for-one',
    maxRestarts: RUNS * 10,
    children: [make()],
    logger: silentLogger,
  });
  const actor = createActor(root).start();
  await childRuns(actor, 0);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    actor.send({ type: 'child.restart', id: 'svc' });
    await childRuns(actor, i + 1);
    times.push(performance.now() - t0);
  }
  actor.stop();
  await new Promise((resolve) => setTimeout(resolve, 50));
  return times;
}

const bench: Bench = {
  name: 'isolation-worker',
  title: 'Worker-thread service: start and restart vs in-process',
  async run(): Promise<Headline[]> {
    // Warm both paths (module graph, JIT) before measuring.
    await startTimes(inThread);
    await startTimes(inProcess);
    const start = { local: median(await startTimes(inProcess)), thread: 0 };
    start.thread = median(await startTimes(inThread));
    const restart = { local: median(await restartTimes(inProcess)), thread: 0 };
    restart.thread = median(await restartTimes(inThread));
    printTable(
      [`median of ${RUNS}`, 'in-process', 'worker thread', 'ratio'],
      [
        ['start', fmtMs(start.local), fmtMs(start.thread), fmtRatio(start.thread, start.local)],
        [
          'restart (child.restart)',
          fmtMs(restart.local),
          fmtMs(restart.thread),
          fmtRatio(restart.thread, restart.local),
        ],
      ],
      'lrrr',
    );
    return [
      {
        metric: `worker-thread start (in-process ${fmtMs(start.local)})`,
        value: fmtMs(start.thread),
      },
      {
        metric: `worker-thread restart (in-process ${fmtMs(restart.local)})`,
        value: fmtMs(restart.thread),
      },
    ];
  },
};

runIfMain(import.meta, bench);
