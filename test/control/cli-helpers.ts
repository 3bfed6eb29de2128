/**
 * Runs the `xstate-supervisor` CLI in-process through main(), capturing what it prints.
 */
import { main } from '../../src/cli.ts';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `main(args)` with `env` as its environment; resolves its exit code, stdout and stderr. */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env,
  });
  return { code, out, err };
}
