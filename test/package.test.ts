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
    ]) {
      expect(typeof mod[name], name).toBe('function');
    }
    // Node 20 cannot load .ts files: the import above succeeding means every relative import
    // was rewritten to .js.
  }, 60_000);
});
