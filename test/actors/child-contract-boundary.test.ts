import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
/** Where the context shape of our own machines may be known (SPEC §8, decision 0050). */
const OWNERS = ['actors/', 'machines/'];
/** A read of `context.rt` / `context.core`, or a type that spells that context shape. */
const PROBE = /\bcontext\??\.(rt|core)\b|\b(rt|core)\?:/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

function probesOutside(files: readonly string[]): string[] {
  const hits: string[] = [];
  for (const file of files) {
    const rel = relative(SRC, file).split('\\').join('/');
    if (OWNERS.some((o) => rel.startsWith(o))) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (PROBE.test(line)) hits.push(`src/${rel}:${i + 1}: ${line.trim()}`);
      });
  }
  return hits;
}

describe('the one child contract', () => {
  it('recognises a direct read of a runtime from a snapshot context', () => {
    // The pattern the test below relies on: the reads the contract replaced.
    expect(PROBE.test('const reason = (context?.rt ?? context?.core)?.exit;')).toBe(true);
    expect(PROBE.test('  )?.context?.rt;')).toBe(true);
    expect(PROBE.test('as { context?: { core?: SupervisorCore } }')).toBe(true);
    expect(PROBE.test('const core = supervisorCoreOf(actor);')).toBe(false);
  });

  it('is the only way outside src/actors and src/machines to reach a child runtime', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(20);
    expect(probesOutside(files)).toEqual([]);
  });
});
