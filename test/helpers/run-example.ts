/**
 * Runs `examples/<name>/main.ts` in its own Node process, as a user would, for the example tests.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ExampleOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, in ms. */
  readonly elapsed: number;
}

export interface RunExampleOptions {
  /** Extra environment; the examples' own `DEMO_*` variables are dropped first. */
  readonly env?: Record<string, string>;
  /**
   * Kill the example and reject after this long.
   * @default 15000
   */
  readonly timeout?: number;
}

/** Runs the example to completion, killing it after `timeout` ms. */
export function runExample(name: string, options: RunExampleOptions = {}): Promise<ExampleOutcome> {
  const timeout = options.timeout ?? 15_000;
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('DEMO_')),
  );
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}/main.ts`], {
      cwd: root,
      env: { ...inherited, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`examples/${name} did not finish within ${timeout} ms:\n${stdout}`));
    }, timeout);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsed: performance.now() - started });
    });
  });
}
