/**
 * Packs the package as `npm pack` would, without touching the checkout's `dist/` (other test
 * files read it while this one runs): the files `npm pack` lists (README, LICENSE, docs, ...)
 * are copied into a temporary directory, `dist/` and `inspector/dist/` are built there fresh,
 * and `npm pack` runs in that directory.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
/** Every child process is bounded: a hung build or install fails the test, never hangs it. */
const CHILD_TIMEOUT = 240_000;

/** Runs a command; on failure, the error names it and carries its whole output. */
export async function exec(
  file: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  try {
    const { stdout } = await run(file, [...args], {
      cwd,
      env,
      timeout: CHILD_TIMEOUT,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `\`${file} ${args.join(' ')}\` in ${cwd} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
}

/** Runs an npm command the way a user's shell would (`npm` from PATH). */
export function npm(args: readonly string[], cwd: string): Promise<string> {
  return exec('npm', args, cwd, { ...process.env, npm_config_update_notifier: 'false' });
}

/** The packed package, in its own temporary directory. */
export interface StagedPackage {
  /** The temporary directory; everything the tests make goes below it. */
  readonly dir: string;
  /** The `.tgz` `npm pack` made. */
  readonly tarball: string;
  /** The paths inside the tarball, as `npm pack --json` lists them. */
  readonly files: readonly string[];
  /** Removes {@link dir} and everything in it. */
  cleanup(): void;
}

/** Builds and packs the package into `dir`, an empty temporary directory. */
export async function stagePackage(dir: string): Promise<StagedPackage> {
  try {
    const pkg = join(dir, 'package');
    const listed = JSON.parse(
      await npm(['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT),
    ) as Array<{ files: Array<{ path: string }> }>;
    for (const { path } of listed[0]!.files) {
      if (path.startsWith('dist/') || path.startsWith('inspector/dist/')) continue;
      mkdirSync(dirname(join(pkg, path)), { recursive: true });
      cpSync(join(ROOT, path), join(pkg, path));
    }
    const bin = (name: string) => join(ROOT, 'node_modules', name);
    await Promise.all([
      exec(
        process.execPath,
        [bin('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')],
        ROOT,
      ),
      exec(
        process.execPath,
        [
          bin('vite/bin/vite.js'),
          'build',
          '-c',
          'inspector/vite.config.ts',
          '--logLevel',
          'warn',
          '--outDir',
          join(pkg, 'inspector', 'dist'),
        ],
        ROOT,
      ),
    ]);
    const packed = JSON.parse(
      await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], pkg),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    return {
      dir,
      tarball: join(dir, packed[0]!.filename),
      files: packed[0]!.files.map((f) => f.path),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
