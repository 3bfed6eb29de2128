/**
 * The package as users get it: packed with `npm pack`, installed from the tarball into fresh
 * ESM and CommonJS apps, compiled with `skipLibCheck: false` under TypeScript 5.9 and 6, run
 * on the oldest and newest XState the peer range admits, and linted by publint and
 * "Are the types wrong?" (decisions 0062 and 0063); and the getting-started guide followed
 * in a fresh app to a running, inspected tree (decision 0097).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMPILERS,
  type ConsumerApp,
  compile,
  createApp,
  type EntryExports,
  exportsOf,
  importEverything,
  installed,
  writeTsconfig,
} from './consumer-app.ts';
import { installAsTheGuideSays, startGuideApp, writeGuideProgram } from './getting-started-app.ts';
import { SMOKE_PROGRAM, type SmokeResult } from './smoke-program.ts';
import { exec, ROOT, type StagedPackage, stagePackage } from './stage.ts';

/** The oldest XState the peer range admits; the newest is the checkout's (`installed`). */
const OLDEST_XSTATE = '5.33.0';
/**
 * About a minute on an idle 2-core machine; far longer when other test files share the cores,
 * so the bound is wide (every child process is bounded on its own too).
 */
const SLOW = 600_000;

const pkgJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, { types: string } | string | null>;
  peerDependencies: Record<string, string>;
};
/** Every entry point of the `exports` map with its own types, e.g. `xstate-supervisor/redis`. */
const ENTRIES = Object.entries(pkgJson.exports)
  .filter((e): e is [string, { types: string }] => typeof e[1] === 'object' && e[1] !== null)
  .map(([subpath, { types }]) => ({
    specifier: `xstate-supervisor${subpath.slice(1)}`,
    types,
  }));
const DURABLE_PEERS = ['pg', 'pg-boss', '@types/pg', 'bullmq', 'ioredis'];

let staged: StagedPackage;
let cleanup: (() => void) | undefined;
let esm: ConsumerApp;
let cjs: ConsumerApp;
let oldest: ConsumerApp;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xss-pack-'));
  // Removed even when the hook times out half-way (staged is then not set).
  cleanup = () => rmSync(dir, { recursive: true, force: true });
  staged = await stagePackage(dir);
  const common = [staged.tarball, installed('@types/node')];
  [esm, cjs, oldest] = await Promise.all([
    createApp(staged.dir, 'esm-app', 'module', [
      ...common,
      installed('xstate'),
      ...DURABLE_PEERS.map(installed),
    ]),
    createApp(staged.dir, 'cjs-app', 'commonjs', [...common, installed('xstate')]),
    createApp(staged.dir, 'oldest-xstate-app', 'module', [...common, `xstate@${OLDEST_XSTATE}`]),
  ]);
}, SLOW);

// Three installed apps: removing them takes long on a loaded machine, so it gets the set-up's bound.
afterAll(() => cleanup?.(), SLOW);

/** Writes the program importing every export of `specifiers` and the smoke program. */
function writeProgram(app: ConsumerApp, specifiers: readonly string[]): EntryExports {
  const entries: Record<string, EntryExports> = {};
  for (const { specifier, types } of ENTRIES.filter((e) => specifiers.includes(e.specifier))) {
    entries[specifier] = exportsOf(join(app.dir, 'node_modules', specifier.split('/')[0]!, types));
  }
  writeFileSync(join(app.dir, 'everything.ts'), importEverything(entries));
  writeFileSync(join(app.dir, 'main.ts'), SMOKE_PROGRAM);
  writeTsconfig(app, ['main.ts', 'everything.ts']);
  return {
    values: Object.entries(entries).flatMap(([s, e]) => e.values.map((v) => `${s}#${v}`)),
    types: Object.values(entries).flatMap((e) => e.types),
  };
}

/** Compiles under both TypeScripts (5.9 emits), runs the program, returns what it printed. */
async function compileAndRun(app: ConsumerApp, compilers = Object.values(COMPILERS)) {
  await Promise.all(compilers.map((tsc, i) => compile(app, tsc, i === 0)));
  const out = await exec(process.execPath, [join(app.dir, 'out', 'main.js')], app.dir);
  return JSON.parse(out.trim().split('\n').at(-1)!) as SmokeResult;
}

function expectWorkingTree(result: SmokeResult, listed: EntryExports): void {
  expect(result).toMatchObject({ restarted: 'flaky', child: 'running', afterShutdown: 'stopped' });
  expect(Object.keys(result.types).sort()).toEqual([...listed.values].sort());
  const missing = Object.entries(result.types).filter(([, type]) => type === 'undefined');
  expect(missing).toEqual([]);
}

describe('the packed package', () => {
  it('ships the code, declarations, source maps, inspector page, docs and license, not the sources', () => {
    const files = staged.files;
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/index.js.map',
      'dist/cli.js',
      'inspector/dist/index.html',
      'docs/images/inspector.png',
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files.some((f) => /^inspector\/dist\/assets\/.+\.js$/.test(f))).toBe(true);
    const stray = files.filter((f) =>
      /^(src|test|scratch|bench|inspector\/src|docs\/api)\//.test(f),
    );
    expect(stray).toEqual([]);
  });

  it('resolves every relative link of the README inside the package (docs work in node_modules)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1]!)
      .filter((link) => !/^[a-z]+:/i.test(link));
    expect(links.length).toBeGreaterThan(5);
    const broken = links.filter((link) => {
      const path = link.replace(/^\.\//, '');
      return !staged.files.some(
        (f) => f === path || f.startsWith(path.endsWith('/') ? path : `${path}/`),
      );
    });
    expect(broken).toEqual([]);
  });

  it('maps the compiled code to sources inlined in the maps (stack traces show real code)', () => {
    const map = JSON.parse(
      readFileSync(join(esm.dir, 'node_modules/xstate-supervisor/dist/run/run.js.map'), 'utf8'),
    ) as { sources: string[]; sourcesContent?: string[] };
    expect(map.sourcesContent).toEqual([readFileSync(join(ROOT, 'src/run/run.ts'), 'utf8')]);
  });

  it(
    'passes publint with nothing to report',
    async () => {
      // publint colours its output where it sees a CI: read the words only.
      const out = stripVTControlCharacters(
        await exec(
          process.execPath,
          [join(ROOT, 'node_modules/publint/src/cli.js'), 'run', staged.tarball, '--strict'],
          staged.dir,
        ),
      );
      expect(out.trim()).toMatch(/^All good!$/m);
      expect(out).not.toMatch(/Suggestions?:|Warnings?:|Errors?:/);
    },
    SLOW,
  );

  it(
    'passes "Are the types wrong?" for every entry point and resolution mode',
    async () => {
      const out = await exec(
        process.execPath,
        [
          join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js'),
          staged.tarball,
          '--format',
          'json',
          // attw's TypeScript (5.6) predates require(esm): "ESM (dynamic import only)" from
          // CommonJS is what the CommonJS app below compiles and runs (decision 0062).
          '--ignore-rules',
          'cjs-resolves-to-esm',
        ],
        staged.dir,
      );
      // The JSON lists every problem, ignored rules too (they only spare the exit code).
      const report = JSON.parse(out) as { analysis: { problems: Array<{ kind: string }> } };
      const problems = report.analysis.problems.filter((p) => p.kind !== 'CJSResolvesToESM');
      expect(problems).toEqual([]);
    },
    SLOW,
  );
});

describe('a fresh app installing the tarball', () => {
  it(
    'ESM: compiles every export of every entry point with skipLibCheck false (TS 5.9 and 6) and runs a tree',
    async () => {
      const listed = writeProgram(
        esm,
        ENTRIES.map((e) => e.specifier),
      );
      expectWorkingTree(await compileAndRun(esm), listed);
    },
    SLOW,
  );

  it(
    'CommonJS: require()s the package (Node >= 20.19), compiles under TS 5.9 and 6 and runs a tree',
    async () => {
      const listed = writeProgram(cjs, ['xstate-supervisor', 'xstate-supervisor/inspector']);
      const result = await compileAndRun(cjs);
      expect(readFileSync(join(cjs.dir, 'out', 'main.js'), 'utf8')).toMatch(
        /require\("xstate-supervisor"\)/,
      );
      expectWorkingTree(result, listed);
    },
    SLOW,
  );

  it(
    `works with the oldest XState the peer range admits (${OLDEST_XSTATE})`,
    async () => {
      expect(pkgJson.peerDependencies.xstate).toBe(`~${OLDEST_XSTATE}`);
      const listed = writeProgram(oldest, ['xstate-supervisor', 'xstate-supervisor/inspector']);
      const version = JSON.parse(
        readFileSync(join(oldest.dir, 'node_modules/xstate/package.json'), 'utf8'),
      ) as { version: string };
      expect(version.version).toBe(OLDEST_XSTATE);
      expectWorkingTree(await compileAndRun(oldest, [COMPILERS['typescript 5.9']]), listed);
    },
    SLOW,
  );

  it(
    'follows getting-started to a running tree: the inspector and the control API answer, SIGTERM exits 0',
    async () => {
      const dir = await installAsTheGuideSays(staged.dir, staged.tarball);
      writeGuideProgram(dir);
      // The page's program type-checks against the packed declarations, as strict as it gets.
      writeTsconfig({ dir, type: 'module' }, ['main.ts']);
      await compile({ dir, type: 'module' }, COMPILERS['typescript 5.9'], false);

      const app = startGuideApp(dir, { EXAMPLE_SECONDS: '600' });
      try {
        const [, inspectorUrl] = await app.waitFor('stdout', /^inspector: (\S+)$/m, 60_000);
        const [runningLine, controlUrl] = await app.waitFor(
          'stderr',
          /^.*running; press Ctrl\+C to stop.* control=(http:\/\/127\.0\.0\.1:\d+).*$/m,
          10_000,
        );
        // The URLs come last: after both servers said they listen, in the one running line.
        const log = app.output.stderr;
        expect(runningLine).toContain(`inspector=${inspectorUrl}`);
        expect(log.indexOf('control API listening')).toBeGreaterThanOrEqual(0);
        expect(log.indexOf('control API listening')).toBeLessThan(log.indexOf(runningLine));
        expect(log.indexOf('inspector listening')).toBeGreaterThanOrEqual(0);
        expect(log.indexOf('inspector listening')).toBeLessThan(log.indexOf(runningLine));

        const page = await fetch(inspectorUrl!, { signal: AbortSignal.timeout(10_000) });
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(await page.text()).toMatch(/<script/);

        const tree = await fetch(`${controlUrl}/tree`, { signal: AbortSignal.timeout(10_000) });
        expect(tree.status).toBe(200);
        const root = (await tree.json()) as {
          id: string;
          state: string;
          children: Array<{ id: string }>;
        };
        expect(root).toMatchObject({ id: 'root', state: 'running' });
        expect(root.children.map((c) => c.id)).toEqual(['connection', 'ticker']);

        app.child.kill('SIGTERM');
        expect(await app.exited, app.output.stderr).toBe(0);
        expect(app.output.stdout.trim().split('\n').at(-1)).toBe('stopped: signal, exit code 0');
      } finally {
        app.child.kill('SIGKILL');
      }
    },
    SLOW,
  );
});
