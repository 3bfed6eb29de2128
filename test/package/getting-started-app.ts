/**
 * The getting-started guide followed in a fresh app, from the page itself: its install block
 * (with the packed tarball for `xstate-supervisor`), its TypeScript blocks as `main.ts`, and
 * its run command, as a real child process. Nothing here restates the page, so the two cannot
 * drift: a step the page adds that this does not know fails the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tsBlocks } from '../examples/doc-code.ts';
import { installed } from './consumer-app.ts';
import { npm, ROOT } from './stage.ts';

/** The page as users read it. */
export const GUIDE = readFileSync(join(ROOT, 'docs/getting-started.md'), 'utf8');

/** The ```sh blocks of the page, each as its lines. */
function shBlocks(markdown: string): string[][] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) =>
    (m[1] ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== ''),
  );
}

/**
 * Follows the page's install block in `<parent>/my-app`: `npm init`, `npm pkg set`, and the
 * `npm install`s, with the tarball for this package and the checkout's versions of the others
 * (so the npm cache has them). Returns the app's directory.
 */
export async function installAsTheGuideSays(parent: string, tarball: string): Promise<string> {
  const [install] = shBlocks(GUIDE);
  if (!install) throw new Error('docs/getting-started.md has no ```sh install block');
  let dir: string | undefined;
  for (const line of install) {
    const made = /^mkdir (\S+) && cd \1$/.exec(line);
    if (made) {
      dir = join(parent, made[1]!);
      mkdirSync(dir, { recursive: true });
      continue;
    }
    if (!dir) throw new Error(`getting-started: "${line}" comes before the app's folder is made`);
    const words = line.split(/\s+/);
    if (words[0] !== 'npm') throw new Error(`getting-started: unknown install step "${line}"`);
    if (words[1] === 'install') {
      const specs = words
        .slice(2)
        .map((w) => (w.startsWith('-') ? w : w === 'xstate-supervisor' ? tarball : installed(w)));
      await npm(
        ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...specs],
        dir,
      );
    } else if (line === 'npm init -y' || words[1] === 'pkg') {
      await npm(words.slice(1), dir);
    } else {
      throw new Error(`getting-started: unknown install step "${line}"`);
    }
  }
  if (!dir) throw new Error('getting-started: the install block makes no folder');
  return dir;
}

/** Writes the page's TypeScript blocks, in order, as `main.ts` ("put each block into main.ts"). */
export function writeGuideProgram(dir: string): void {
  writeFileSync(join(dir, 'main.ts'), `${tsBlocks(GUIDE).join('\n\n')}\n`);
}

/** The page's command to run the program (`node --import tsx main.ts`), as arguments. */
export function guideRunCommand(): string[] {
  const line = shBlocks(GUIDE)
    .flat()
    .find((l) => l.startsWith('node '));
  if (!line) throw new Error('docs/getting-started.md has no `node ...` command to run main.ts');
  return line.split(/\s+/).slice(1);
}

/** The running program, with what it has written so far. */
export interface GuideApp {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Resolves with the first match of `pattern` in stdout or stderr; rejects past `timeout` ms or at the exit. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeout: number): Promise<RegExpExecArray>;
}

/** Starts the program as the page says, with `env` added; plain (no colours). */
export function startGuideApp(dir: string, env: Record<string, string>): GuideApp {
  const child = spawn(process.execPath, guideRunCommand(), {
    cwd: dir,
    env: { ...process.env, ...env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    output.stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    output.stderr += d;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const waitFor = (stream: 'stdout' | 'stderr', pattern: RegExp, timeout: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const found = pattern.exec(output[stream]);
        if (!found) return false;
        clearTimeout(timer);
        child[stream].off('data', check);
        resolve(found);
        return true;
      };
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no ${pattern} on ${stream} within ${timeout} ms:\n${output.stdout}${output.stderr}`,
            ),
          ),
        timeout,
      );
      if (check()) return;
      child[stream].on('data', check);
      void exited.then(() => {
        if (check()) return;
        clearTimeout(timer);
        reject(new Error(`exited before ${pattern}:\n${output.stdout}${output.stderr}`));
      });
    });
  return { child, output, exited, waitFor };
}
