/**
 * The same test file (runners/kit.test.mjs) passes under vitest, jest and node:test: the
 * package is built into a temporary project, which imports it by name as a user's would.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KIT = fileURLToPath(new URL('./runners/kit.test.mjs', import.meta.url));
/** Every child process is bounded: a hung runner fails the test, never hangs it. */
const CHILD_TIMEOUT = 120_000;

/** Runs `node args` in `cwd`; resolves with its exit code and whole output. */
function node(args: readonly string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...args],
      { cwd, timeout: CHILD_TIMEOUT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, out: `${stdout}\n${stderr}` });
      },
    );
  });
}

let project = '';

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'xss-testing-runners-'));
  const modules = join(project, 'node_modules');
  const pkg = join(modules, 'xstate-supervisor');
  mkdirSync(pkg, { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  // The package's dependencies, as an install would put them next to it.
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === '.bin' || name === 'xstate-supervisor') continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  cpSync(KIT, join(project, 'kit.test.mjs'));
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const built = await node([tsc, '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')], ROOT);
  if (built.code !== 0) throw new Error(`building the package failed:\n${built.out}`);
}, 300_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the test kit under each test runner', () => {
  it('passes the shared test file under node:test', async () => {
    const { code, out } = await node(['--test', 'kit.test.mjs'], project);
    expect(out).toMatch(/# pass 3/);
    expect(out).toMatch(/# fail 0/);
    expect(code).toBe(0);
  }, 150_000);

  it('passes the shared test file under vitest', async () => {
    const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs');
    const { code, out } = await node([vitest, 'run', '--root', project, '--globals'], project);
    expect(out).toMatch(/Tests\s+3 passed \(3\)/);
    expect(code).toBe(0);
  }, 150_000);

  it('passes the shared test file under jest (native ESM)', async () => {
    const jest = join(ROOT, 'node_modules/jest/bin/jest.js');
    const config = JSON.stringify({
      transform: {},
      testMatch: ['**/kit.test.mjs'],
      testEnvironment: 'node',
    });
    const { code, out } = await node(
      ['--experimental-vm-modules', jest, '--rootDir', project, '--ci', '--config', config],
      project,
    );
    expect(out).toMatch(/Tests:\s+3 passed, 3 total/);
    expect(code).toBe(0);
  }, 150_000);
});
