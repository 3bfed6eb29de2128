/**
 * The built inspector page the browser tests open (`inspector/dist`, what `npm run build`
 * makes). Built here when it is missing or older than the page's sources, so a test never runs
 * a page without the change it tests; one test file builds at a time (a lock directory), and
 * the others wait for it, so none sees the page half written.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../inspector/', import.meta.url));
const PAGE = join(ROOT, 'dist', 'index.html');
const VITE_CONFIG = join(ROOT, 'vite.config.ts');
const LOCK = join(tmpdir(), `xss-inspector-build-${Buffer.from(ROOT).toString('hex').slice(-24)}`);
/** A lock older than this was left by a killed run. */
const STALE_LOCK = 120_000;
const LOCK_WAIT = 180_000;

async function newestSource(): Promise<number> {
  let newest = (await stat(join(ROOT, 'index.html'))).mtimeMs;
  for (const name of await readdir(join(ROOT, 'src'))) {
    newest = Math.max(newest, (await stat(join(ROOT, 'src', name))).mtimeMs);
  }
  return newest;
}

async function fresh(): Promise<boolean> {
  return existsSync(PAGE) && statSync(PAGE).mtimeMs >= (await newestSource());
}

/** Builds `inspector/dist` unless it is newer than every source of the page. */
export async function ensurePageBuilt(): Promise<void> {
  if (await fresh()) return;
  const deadline = Date.now() + LOCK_WAIT;
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch {
      const held = await stat(LOCK).catch(() => undefined);
      if (held && Date.now() - held.mtimeMs > STALE_LOCK) await rm(LOCK, { recursive: true });
      if (Date.now() > deadline) throw new Error(`The inspector page build lock ${LOCK} is held.`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    if (await fresh()) return;
    const { build } = await import('vite');
    await build({ configFile: VITE_CONFIG, logLevel: 'warn' });
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}
