/**
 * Shared by the docs' tests: the TypeScript blocks of a Markdown page, and a bounded run of a
 * Node command (TypeDoc, vitest) with its output collected.
 */
import { spawn } from 'node:child_process';

/** The ```ts blocks of a Markdown page, in order, without their trailing blank lines. */
export function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => (m[1] ?? '').trimEnd());
}

/** Runs `node <args>` in `cwd` without colours; rejects (after killing it) past `timeout` ms. */
export function runNode(
  args: readonly string[],
  cwd: string,
  timeout: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not finish within ${timeout} ms:\n${output}`));
    }, timeout);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
