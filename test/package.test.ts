import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'xs-dist-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the built package', () => {
  it('compiles to JavaScript and declarations that load without the TypeScript sources', async () => {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
      {
        cwd: root,
        stdio: 'pipe',
      },
    );
    const mod = (await import(pathToFileURL(join(out, 'index.js')).href)) as Record<
      string,
      unknown
    >;
    for (const name of [
      'createService',
      'createSupervisor',
      'getTree',
      'shutdown',
      'run',
      'ServiceConfigError',
      'SupervisorConfigError',
      'createControlServer',
      'createInspectorServer',
    ]) {
      expect(typeof mod[name], name).toBe('function');
    }
    const inspector = (await import(pathToFileURL(join(out, 'inspector/index.js')).href)) as Record<
      string,
      unknown
    >;
    expect(typeof inspector.createInspectorServer).toBe('function');
    expect(typeof inspector.toStatelyEvent).toBe('function');
    // Node 20 cannot load .ts files: the import above succeeding means every relative import
    // was rewritten to .js.
  }, 60_000);

  it('ships the built inspector page and the inspector subpath', () => {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString(),
    ) as Array<{ files: Array<{ path: string }> }>;
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('inspector/dist/index.html');
    expect(files.some((f) => /^inspector\/dist\/assets\/.+\.js$/.test(f))).toBe(true);
    expect(files).toContain('dist/inspector/index.js');
    expect(files.some((f) => f.startsWith('inspector/src/'))).toBe(false);
  }, 60_000);
});
