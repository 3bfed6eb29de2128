/**
 * The docs as a user reads them: no relative link or anchor in README.md, docs/ or examples/
 * leads nowhere, and the API reference TypeDoc generates from the TSDoc has no broken link,
 * no missing export and no undocumented public declaration.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLinks, headingId } from '../scripts/check-links.ts';
import { runNode, tsBlocks } from './examples/doc-code.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('links in the docs', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A throwaway repository with README.md and the given docs pages. */
  const site = (pages: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'docs-links-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'docs'));
    mkdirSync(join(dir, 'examples'));
    for (const [name, text] of Object.entries(pages)) writeFileSync(join(dir, name), text);
    return dir;
  };

  it('finds no broken relative link or anchor in README.md, docs/ and examples/', () => {
    const broken = checkLinks(root).map((b) => `${b.file}:${b.line}: ${b.target}: ${b.problem}`);
    expect(broken).toEqual([]);
  });

  it('reports a link to a missing page and an anchor no heading has, with file and line', () => {
    const dir = site({
      'README.md': '# Home\n\nSee [a](docs/a.md#options), [gone](docs/gone.md).\n',
      'docs/a.md': '# A\n\n## Strategies\n\n[self](#nope) and [up](../README.md#home)\n',
    });
    expect(checkLinks(dir).map((b) => [b.file, b.line, b.target, b.problem])).toEqual([
      ['README.md', 3, 'docs/a.md#options', 'no heading #options in docs/a.md'],
      ['README.md', 3, 'docs/gone.md', 'no file or folder docs/gone.md'],
      ['docs/a.md', 5, '#nope', 'no heading #nope in docs/a.md'],
    ]);
  });

  it('ignores links inside code, web links, and finds repeated headings by their -1 suffix', () => {
    const dir = site({
      'README.md': [
        '# Home',
        '## Options',
        '## Options',
        '[second](#options-1) [web](https://example.com/x.md) `[code](missing.md)`',
        '```md',
        '[fenced](missing.md)',
        '```',
      ].join('\n'),
    });
    expect(checkLinks(dir)).toEqual([]);
  });

  it('checks links to the repository on the web as the files they name', () => {
    const dir = site({
      'package.json': JSON.stringify({ repository: { url: 'git+https://github.com/o/r.git' } }),
      'README.md': [
        '# Home',
        '[ok](https://github.com/o/r/tree/main/docs/a.md#a)',
        '[gone](https://github.com/o/r/blob/main/examples/gone/main.ts)',
        '[anchor](https://github.com/o/r/blob/main/docs/a.md#nope)',
        '[other repo](https://github.com/o/other/blob/main/gone.md)',
      ].join('\n'),
      'docs/a.md': '# A\n',
    });
    expect(checkLinks(dir).map((b) => [b.line, b.problem])).toEqual([
      [3, 'no file or folder examples/gone/main.ts'],
      [4, 'no heading #nope in docs/a.md'],
    ]);
  });

  it('builds heading ids as GitHub does, code spans and angle brackets included', () => {
    expect(headingId('Stop, `gracePeriod` and kill')).toBe('stop-graceperiod-and-kill');
    expect(headingId('`POST /services/<path>/send`')).toBe('post-servicespathsend');
    expect(headingId('one-for-all (the default)')).toBe('one-for-all-the-default');
    expect(headingId('The deadline: nothing lost silently')).toBe(
      'the-deadline-nothing-lost-silently',
    );
  });
});

/** The pages a user reads first: README.md, docs/*.md, the kinds and the recipes. */
function mainPages(): string[] {
  const under = (dir: string) =>
    readdirSync(join(root, dir))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `${dir}/${f}`);
  return ['README.md', ...under('docs'), ...under('docs/kinds'), ...under('docs/recipes')];
}

describe('main pages', () => {
  it('name none of the seed libraries: their vocabulary lives in docs/coming-from/', () => {
    // The docs index names them once, to lead to the guides (decision 0073).
    const seeds = /\b(GCL|Looper|SuperLoops?|servicefactory|aiomisc|pyaltt)\b/;
    const found = mainPages()
      .filter((page) => page !== 'docs/README.md')
      .flatMap((page) =>
        readFileSync(join(root, page), 'utf8')
          .split('\n')
          .map((line, i) => [`${page}:${i + 1}`, line] as const)
          .filter(([, line]) => seeds.test(line))
          .map(([at, line]) => `${at}: ${line.trim()}`),
      );
    expect(found).toEqual([]);
  });
});

describe('migration guides', () => {
  it('compile: every TypeScript block of docs/coming-from/ type-checks against the package', () => {
    // Each block is a module of its own; the helpers it calls but does not define are declared
    // in the page's `<!-- declare: ... -->` comment (decision 0073).
    // Below node_modules, so that `xstate` resolves; a directory per run, so runs never collide.
    mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
    const dir = mkdtempSync(join(root, 'node_modules/.cache/docs-snippets-'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    const files: string[] = [];
    for (const page of readdirSync(join(root, 'docs/coming-from'))) {
      if (!page.endsWith('.md')) continue;
      const text = readFileSync(join(root, 'docs/coming-from', page), 'utf8');
      const declared = [...text.matchAll(/<!-- declare:\n([\s\S]*?)-->/g)]
        .map((m) => m[1])
        .join('');
      tsBlocks(text).forEach((block, i) => {
        const file = join(dir, `${page.replace(/\.md$/, '')}-${i}.ts`);
        writeFileSync(file, `${block}\n${declared}\nexport {};\n`);
        files.push(file);
      });
    }
    try {
      const config = ts.getParsedCommandLineOfConfigFile(
        join(root, 'tsconfig.json'),
        {},
        {
          ...ts.sys,
          onUnRecoverableConfigFileDiagnostic: () => {},
        },
      );
      const program = ts.createProgram(files, {
        ...config!.options,
        noEmit: true,
        paths: { 'xstate-supervisor': [join(root, 'src/index.ts')] },
      });
      const errors = files.flatMap((file) =>
        ts
          .getPreEmitDiagnostics(program, program.getSourceFile(file))
          .map(
            (d) =>
              `${file.slice(dir.length + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
          ),
      );
      expect(files.length).toBeGreaterThan(5);
      expect(errors).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000); // a whole TypeScript program: ~10 s alone, a minute on a loaded machine
});

/** Runs TypeDoc from typedoc.json without writing the site; resolves its exit code and output. */
const typedoc = (args: readonly string[]) =>
  runNode(
    [join(root, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none', ...args],
    root,
    150_000, // ~5 s alone; a minute with both cores busy
  );

describe('API reference (TypeDoc)', () => {
  it('documents every public declaration, with no broken link and no missing export', async () => {
    // typedoc.json turns every warning into an error; here notDocumented is on too. Members of
    // inline object types (a union's `type` field, say) are exempt: decision 0072.
    const { code, output } = await typedoc(['--validation.notDocumented']);
    const problems = output
      .split('\n')
      .map((l) => stripVTControlCharacters(l).trim())
      .filter((l) => /^\[(warning|error)\]/.test(l))
      .filter(
        (l) => !/\.__type\.\S+ \(\w+\), defined in .* does not have any documentation$/.test(l),
      )
      .filter((l) => !/^\[(warning|error)\] Found \d+ errors and \d+ warnings$/.test(l))
      .filter((l) => !/^\[error\] Documentation not generated due to /.test(l));
    expect(problems).toEqual([]);
    // Only the exempt warnings may have failed the run.
    if (code !== 0) expect(output).toMatch(/does not have any documentation/);
  }, 160_000);
});
