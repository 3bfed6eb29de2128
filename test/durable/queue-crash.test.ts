/**
 * A worker process killed mid-job (SIGKILL) or stopped (SIGTERM), on each real server: its
 * jobs are delivered again after the lease, or finished before it exits; none is lost.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type NodeProcess, startNode } from '../helpers/node-process.ts';
import { BACKENDS, testBackend, until } from './queue-helpers.ts';

const REPLICA = 'test/durable/queue-replica.ts';

/** The tasks a replica wrote `done` for. */
function done(p: NodeProcess, out: () => string): string[] {
  void p;
  return [...out().matchAll(/^done (\S+)$/gm)].map((m) => m[1]!);
}

describe.each(BACKENDS)('%s queue worker in a process', (kind) => {
  const backend = testBackend(kind);
  afterAll(() => backend.cleanup());

  it('delivers again the job of a worker killed by SIGKILL once its lease runs out', async () => {
    const queue = backend.create<string>({ name: 'killed', lease: 2_000 });
    await queue.enqueue('slow');
    const env = { ...backend.env(), XSQ_QUEUE: 'killed', XSQ_HANG: 'slow' };
    const first = startNode(REPLICA, env, 30_000);
    await first.output('started slow');
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = startNode(REPLICA, { ...env, XSQ_HANG: '' }, 30_000);
    await second.output('done slow');
    second.child.kill('SIGTERM');
    const finished = await second.exited;
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain('started slow');
    expect(await queue.deadLetters()).toEqual([]);
  }, 40_000);

  it('finishes its jobs in flight on SIGTERM, and the rest waits for the next replica; none lost, none twice', async () => {
    const queue = backend.create<string>({ name: 'termed', lease: 2_000 });
    const tasks = ['t0', 't1', 't2', 't3', 't4', 't5'];
    for (const t of tasks) await queue.enqueue(t);
    const env = {
      ...backend.env(),
      XSQ_QUEUE: 'termed',
      XSQ_CONCURRENCY: '2',
      XSQ_WORK_MS: '1000',
    };
    const first = startNode(REPLICA, env, 30_000);
    await first.output('started t1');
    first.child.kill('SIGTERM');
    const stopped = await first.exited;
    expect(stopped.code).toBe(0);
    const startedFirst = [...stopped.stdout.matchAll(/^started (\S+)$/gm)].map((m) => m[1]!);
    const doneFirst = [...stopped.stdout.matchAll(/^done (\S+)$/gm)].map((m) => m[1]!);
    // Every job it started, it finished before exiting.
    expect(doneFirst.sort()).toEqual(startedFirst.sort());

    let out = '';
    const second = startNode(REPLICA, env, 30_000);
    second.child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await until(
      () => done(second, () => out).length + doneFirst.length >= tasks.length,
      'every job',
    );
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    const all = [...doneFirst, ...done(second, () => out)];
    expect(all.sort()).toEqual(tasks);
  }, 40_000);
});
