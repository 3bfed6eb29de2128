/**
 * SIGTERM to a real process running `run()` with queued jobs: what became of every job.
 * Shared by `shutdown.test.ts` and `bench/reliability.ts`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface JobsOutcome {
  readonly jobs: number;
  /** Jobs handled at least once. */
  readonly handled: number;
  /** Jobs given to `onDiscard` at least once. */
  readonly discarded: number;
  /** Jobs neither handled nor discarded: lost silently. */
  readonly lost: number;
  /** Jobs both handled and discarded, or either twice. */
  readonly twice: number;
  /** Jobs still in the queue when the process exited. */
  readonly pending: number;
  /** The exit code the process chose (`exit` event), and the one it ended with. */
  readonly code: number;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Spawns `queued-jobs-main.ts` with `jobs` queued, sends SIGTERM once it runs, and reads the
 * account it prints on exit. Rejects after `timeout` ms (the process is killed).
 *
 * @example
 * ```ts
 * const r = await sigtermWithQueuedJobs(1_000);
 * r.lost; // 0: every job handled or given to onDiscard
 * ```
 */
export function sigtermWithQueuedJobs(
  jobs: number,
  jobMs = 2,
  timeout = 15_000,
): Promise<JobsOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/reliability/queued-jobs-main.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, JOBS: String(jobs), JOB_MS: String(jobMs) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `the queued-jobs process did not end within ${timeout} ms:\n${stdout}\n${stderr}`,
        ),
      );
    }, timeout);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (!signalled && stdout.includes('READY')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(guard);
      const line = /RESULT (\{.*\})/.exec(stdout)?.[1];
      if (!line) {
        reject(new Error(`no RESULT line (exit ${exitCode}, ${signal}):\n${stdout}\n${stderr}`));
        return;
      }
      resolve({
        ...(JSON.parse(line) as Omit<JobsOutcome, 'exitCode' | 'signal' | 'stderr'>),
        exitCode,
        signal,
        stderr,
      });
    });
  });
}
