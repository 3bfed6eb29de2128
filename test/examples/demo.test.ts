import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectFeed } from '../helpers/inspector-feed.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the npm start demo', () => {
  it('runs a tree with failures and restarts, and stops cleanly with exit 0 on Ctrl+C (SIGINT)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo/main.ts'], {
      cwd: root,
      env: { ...process.env, DEMO_TICK: '50', DEMO_FLAKY_RATE: '0.6', DEMO_INSPECTOR_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.resume();
    // Wait for a restart to have happened, then press Ctrl+C.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no restart seen; output:\n${out}`)), 15_000);
      child.stdout.on('data', () => {
        if (out.includes('[child.restarted] flaky')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // The inspector serves its page and a live feed of the same tree.
    const inspector = /inspector: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
    expect(inspector, out).toBeDefined();
    const page = await fetch(inspector!);
    expect(page.status).toBe(200);
    const feed = await connectFeed(inspector!);
    expect(feed.snapshot().title).toBe('xstate-supervisor demo');
    expect(feed.node('flaky')?.kind).toBe('service');
    // The user's own machine is in the tree too, as an actor with its own statechart.
    expect(feed.node('connection')).toMatchObject({ kind: 'actor', status: 'active' });
    expect(feed.node('connection')?.machine).toBeDefined();
    expect(feed.snapshot().control.enabled).toBe(true);
    await feed.close();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out).toContain('[child.failed] flaky');
    expect(out).toContain('[child.started] connection generation 0');
    expect(out).toContain('mailer: disconnected');
    expect(out).toContain('demo: stopped (signal, exit code 0)');
    // Stopped in reverse start order: indexer was started after mailer.
    expect(out.indexOf('indexer: disconnected')).toBeLessThan(out.indexOf('mailer: disconnected'));
  });
});
