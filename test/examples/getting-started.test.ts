/**
 * The getting-started guide as a new user follows it: its code blocks, in order, are the
 * example program, and that program runs a supervised tree whose inspector shows it live.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectFeed } from '../helpers/inspector-feed.ts';
import { startNode } from '../helpers/node-process.ts';
import { tsBlocks } from './doc-code.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(`${root}/${path}`, 'utf8');

describe('getting-started guide', () => {
  it('shows the whole example program, block by block, importing from the package', () => {
    const program = read('examples/getting-started/main.ts')
      .replace(/^\/\*\*[\s\S]*?\*\/\n/, '')
      .replace("'../../src/index.ts'", "'xstate-supervisor'")
      .trim();
    expect(tsBlocks(read('docs/getting-started.md')).join('\n\n')).toBe(program);
  });

  it('runs a tree the inspector shows live, restarts what fails, and exits 0 on Ctrl+C', async () => {
    const app = startNode(
      'examples/getting-started/main.ts',
      { EXAMPLE_SECONDS: '600', NO_COLOR: '1' },
      60_000,
    );
    let stdout = '';
    const printed = /^inspector: (http:\/\/127\.0\.0\.1:\d+\/)$/m;
    const url = await new Promise<string>((resolve, reject) => {
      app.child.stdout?.on('data', (d: string) => {
        stdout += d;
        const found = printed.exec(stdout)?.[1];
        if (found) resolve(found);
      });
      app.exited.then((f) => reject(new Error(`exited before the URL:\n${f.stdout}${f.stderr}`)));
    });

    const page = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);

    const feed = await connectFeed(url);
    try {
      await feed.until(
        // A service shows its lifecycle state, your own machine its state value.
        () =>
          feed.node('ticker')?.state === 'running' &&
          feed.node('connection')?.state === 'connected',
        'ticker running and connection connected',
      );
      expect(feed.node('connection')).toMatchObject({ kind: 'actor', controllable: true });
      expect(feed.node('ticker')).toMatchObject({ kind: 'service', controllable: true });
      await feed.until(
        () => (feed.node('ticker')?.generation ?? 0) >= 1,
        'ticker restarted as generation 1',
        10_000,
      );
    } finally {
      await feed.close();
    }

    // Both children have failed and come back once; then Ctrl+C, as a user would stop it.
    const restarted = ['ticker', 'connection'].map((id) => `[child.restarted] ${id} generation 1`);
    await new Promise<void>((resolve, reject) => {
      const seen = () => restarted.every((line) => stdout.includes(line));
      if (seen()) resolve();
      app.child.stdout?.on('data', () => seen() && resolve());
      app.exited.then((f) =>
        reject(new Error(`exited before both restarts:\n${f.stdout}${f.stderr}`)),
      );
    });
    app.child.kill('SIGINT');
    const { code, stderr } = await app.exited;
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining(restarted));
    expect(lines.at(-1)).toBe('stopped: signal, exit code 0');
  }, 70_000);
});
