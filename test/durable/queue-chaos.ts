/**
 * The chaos run of the durable queues: replica processes handle a batch of jobs while a random
 * running one is SIGKILLed every `killEvery` ms and started again at once. Used by the chaos tests (a
 * scaled-down run) and by bench/durable-queues.ts (the full 10,000 jobs).
 */
import { type NodeProcess, startNode } from '../helpers/node-process.ts';
import type { BackendKind, TestBackend } from './queue-helpers.ts';

const REPLICA = 'test/durable/queue-replica.ts';

export interface ChaosOptions {
  readonly jobs: number;
  readonly replicas: number;
  readonly concurrency: number;
  /** Milliseconds between two kills. */
  readonly killEvery: number;
  /**
   * Kill by progress instead: one kill each time this many more jobs are done (the tests, so
   * that a fast or a starved machine sees the same kills). `killEvery` is then not used.
   */
  readonly killEveryJobs?: number;
  /** No kill after this many (then the run ends by itself). */
  readonly maxKills: number;
  /** A hang guard for the whole run. */
  readonly timeout: number;
}

export interface ChaosResult {
  readonly kind: BackendKind;
  readonly jobs: number;
  readonly kills: number;
  /** Replicas that exited by themselves (each started again at once); 0 expected. */
  readonly crashes: number;
  /** Jobs not done when the run ended (done, or its hang guard ran out). */
  readonly notDone: number;
  /** Jobs neither done nor still in the server: lost. */
  readonly lost: number;
  /** `done` lines beyond the first for a job. */
  readonly duplicates: number;
  /** The most duplicates the kills may cause: each kill repeats at most the jobs in flight. */
  readonly bound: number;
  readonly ms: number;
}

/** Enqueues `jobs` jobs, runs the replicas and the kills until every job is done. */
export async function chaosRun(backend: TestBackend, o: ChaosOptions): Promise<ChaosResult> {
  const queue = backend.create<string>({ name: 'chaos', lease: 2_000, batchSize: 1 });
  for (let i = 0; i < o.jobs; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, o.jobs - i) }, (_, k) => queue.enqueue(`j${i + k}`)),
    );
  }
  const counts = new Map<string, number>();
  const env = {
    ...backend.env(),
    XSQ_QUEUE: 'chaos',
    XSQ_CONCURRENCY: String(o.concurrency),
    XSQ_WORK_MS: '2',
  };
  const live: (NodeProcess | undefined)[] = [];
  /** Slots whose replica has written `ready` (started its worker): the ones worth a kill. */
  const ready = new Set<number>();
  /** Replicas we SIGKILLed (restarted by the kill loop) and whether the run is over. */
  const killed = new Set<NodeProcess>();
  let over = false;
  let crashes = 0;
  const start = (slot: number) => {
    const p = startNode(REPLICA, env, o.timeout);
    ready.delete(slot);
    // A replica that exits by itself (not our kill) is counted and started again.
    void p.exited.then(() => {
      if (over || killed.has(p) || live[slot] !== p) return;
      crashes++;
      start(slot);
    });
    let rest = '';
    p.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      const lines = (rest + d).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') ready.add(slot);
        else if (line.startsWith('done ')) {
          const task = line.slice(5);
          counts.set(task, (counts.get(task) ?? 0) + 1);
        }
      }
    });
    live[slot] = p;
  };
  const t0 = performance.now();
  for (let i = 0; i < o.replicas; i++) start(i);
  let kills = 0;
  const killOne = async () => {
    const running = [...ready];
    const slot = running[Math.floor(Math.random() * running.length)]!;
    const victim = live[slot]!;
    killed.add(victim);
    victim.child.kill('SIGKILL');
    await victim.exited;
    kills++;
    start(slot);
  };
  const deadline = Date.now() + o.timeout;
  let nextKill = Date.now() + o.killEvery;
  while (counts.size < o.jobs) {
    if (Date.now() > deadline) break;
    // A kill every `killEvery` ms goes to a random running replica, and only while another
    // one runs too: a replica still starting holds no job (killing starts tests nothing), and
    // on a loaded machine a start can take longer than `killEvery` (decision 0111).
    if (o.killEveryJobs !== undefined) {
      // By progress: the next kill once enough more jobs are done, to any replica that runs
      // (its jobs come back after their lease; the others, or its restart, take them).
      if (kills < o.maxKills && counts.size >= (kills + 1) * o.killEveryJobs && ready.size > 0) {
        await killOne();
      }
    } else if (ready.size < Math.min(2, o.replicas)) {
      nextKill = Math.max(nextKill, Date.now() + Math.min(o.killEvery, 1_000));
    } else if (kills < o.maxKills && Date.now() >= nextKill) {
      await killOne();
      nextKill = Date.now() + o.killEvery;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - t0;
  over = true;
  for (const p of live) p?.child.kill('SIGTERM');
  await Promise.all(live.map((p) => p?.exited));
  let duplicates = 0;
  for (const n of counts.values()) duplicates += n - 1;
  const notDone = o.jobs - counts.size;
  const remaining = notDone === 0 ? 0 : await backend.pendingJobs('chaos');
  return {
    kind: backend.kind,
    jobs: o.jobs,
    kills,
    crashes,
    notDone,
    lost: Math.max(0, notDone - remaining),
    duplicates,
    bound: kills * o.concurrency,
    ms,
  };
}
