/**
 * The engines of the durable queues are optional peer dependencies: the package root must not
 * reach them, and each subpath entry reaches only its own.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENGINES = ['pg', 'pg-boss', 'bullmq', 'ioredis'];

/** Every bare package a module reaches through its static and dynamic imports (not types). */
function reachedPackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const specifiers = [
      ...source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm),
      ...source.matchAll(/^\s*import\s+'([^']+)'/gm),
      ...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
    ].map((m) => m[1]!);
    for (const s of specifiers) {
      if (s.startsWith('.')) visit(resolve(dirname(file), s));
      else if (!s.startsWith('node:'))
        packages.add(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!);
    }
  };
  visit(resolve(ROOT, entry));
  return packages;
}

describe('durable queue entries', () => {
  it('keeps pg, pg-boss, bullmq and ioredis out of the package root', () => {
    const reached = reachedPackages('src/index.ts');
    expect(ENGINES.filter((e) => reached.has(e))).toEqual([]);
  });

  it('loads pg and pg-boss from xstate-supervisor/postgres, and no Redis client', () => {
    const reached = reachedPackages('src/durable/postgres/index.ts');
    expect(reached.has('pg')).toBe(true);
    expect(reached.has('pg-boss')).toBe(true);
    expect(reached.has('bullmq') || reached.has('ioredis')).toBe(false);
  });

  it('loads bullmq and ioredis from xstate-supervisor/redis, and no PostgreSQL client', () => {
    const reached = reachedPackages('src/durable/redis/index.ts');
    expect(reached.has('bullmq')).toBe(true);
    expect(reached.has('ioredis')).toBe(true);
    expect(reached.has('pg') || reached.has('pg-boss')).toBe(false);
  });

  it('publishes both entries with their engines as optional peers', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    for (const [entry, dir] of [
      ['./postgres', 'postgres'],
      ['./redis', 'redis'],
    ] as const) {
      const target = pkg.exports[entry] as Record<string, string>;
      expect(target.types).toBe(`./dist/durable/${dir}/index.d.ts`);
      expect(target.import ?? target.default).toBe(`./dist/durable/${dir}/index.js`);
    }
    for (const engine of ENGINES) {
      expect(pkg.peerDependencies[engine], engine).toBeDefined();
      expect(pkg.peerDependenciesMeta[engine]?.optional, engine).toBe(true);
    }
  });
});
