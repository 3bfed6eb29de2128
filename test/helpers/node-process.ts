/**
 * Runs a script in its own Node process (`node --import tsx`), as a user would, and lets a
 * test wait for what it writes and for its exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NodeProcess {
  readonly child: ChildProcess;
  /** Resolves when the process has exited and its output is closed. */
  readonly exited: Promise<Finished>;
  /** Resolves once `text` has been written to stdout or stderr; rejects if it exits first. */
  output(text: string): Promise<void>;
}

/** Starts `script` (a path from the repository root); killed after `guardMs` if it hangs. */
export function startNode(
  script: string,
  env: Record<string, string> = {},
  guardMs = 15_000,
): NodeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, XSTATE_SUPERVISOR_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (stderr.includes(w.text) || stdout.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    check();
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    check();
  });
  // A hung child must not hang the suite.
  const guard = setTimeout(() => child.kill('SIGKILL'), guardMs);
  const exited = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    exited,
    output(text: string): Promise<void> {
      return Promise.race([
        new Promise<void>((resolve) => {
          waiters.push({ text, resolve });
          check();
        }),
        exited.then((f) => {
          throw new Error(
            `exited (${f.code}, ${f.signal}) before writing "${text}":\n${f.stdout}\n${f.stderr}`,
          );
        }),
      ]);
    },
  };
}
