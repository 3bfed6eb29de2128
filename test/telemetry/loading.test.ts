/**
 * Nothing of OpenTelemetry is loaded unless asked for, and a missing `@opentelemetry/api` is a
 * warning, not a crash. Real Node processes with a resolve hook that records (or refuses) every
 * `@opentelemetry/*` module.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startNode } from '../helpers/node-process.ts';

const APP = 'test/fixtures/telemetry/app.ts';
const WATCH = pathToFileURL(join(process.cwd(), 'test/fixtures/telemetry/watch-otel.mjs')).href;

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs the app; resolves with its output and the `@opentelemetry/*` modules it resolved. */
async function runApp(env: Record<string, string>) {
  dir = mkdtempSync(join(tmpdir(), 'otel-watch-'));
  const file = join(dir, 'resolved.txt');
  writeFileSync(file, '');
  const app = startNode(APP, {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${WATCH}`.trim(),
    OTEL_WATCH_FILE: file,
    ...env,
  });
  const finished = await app.exited;
  const resolved = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return { ...finished, resolved };
}

describe('loading OpenTelemetry', () => {
  it('loads no @opentelemetry module when telemetry is not asked for', async () => {
    const { code, stdout, resolved } = await runApp({ TELEMETRY: '0' });
    expect(stdout).toContain('done 0');
    expect(resolved).toEqual([]);
    expect(code).toBe(0);
  });

  it('loads @opentelemetry/api when asked for (the watch sees what it should)', async () => {
    const { code, stdout, resolved } = await runApp({ TELEMETRY: '1' });
    expect(stdout).toContain('done 0');
    expect(resolved).toContain('@opentelemetry/api');
    expect(code).toBe(0);
  });

  it('without the package, warns once and runs the tree untraced', async () => {
    const { code, stdout, stderr, resolved } = await runApp({ TELEMETRY: '1', OTEL_BLOCK: '1' });
    expect(resolved).toEqual(['@opentelemetry/api']);
    expect(stderr.split('@opentelemetry/api is not installed').length - 1).toBe(1);
    expect(stdout).toContain('iterated');
    expect(stdout).toContain('done 0');
    expect(code).toBe(0);
  });
});
