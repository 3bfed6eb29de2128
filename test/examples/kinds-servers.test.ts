/**
 * Runs the server kind examples (http-server, tcp-echo) in their own Node process, as a user
 * would, and checks the exit code, the time they take and the lines that tell their story.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

/**
 * Each example exits in under a second on its own (tsx start-up included); the bound leaves
 * room for a machine busy running the other test files in parallel.
 */
// A bound on a hang, not a timing check: tsx start-up on a loaded machine takes seconds.
const EXIT_WITHIN = 12_000;

const lines = (out: string) => out.split('\n').filter((l) => l !== '');

describe('http-server example', () => {
  it('answers a request to itself, completes the request in flight during the shutdown, and exits 0 within a few seconds', async () => {
    const { code, stdout, stderr, elapsed } = await runExample('http-server');
    expect(code, stderr).toBe(0);
    expect(elapsed).toBeLessThan(EXIT_WITHIN);
    expect(lines(stdout)).toEqual([
      'api: onStart (open the database here)',
      'api: running, listening on a free port: true',
      'GET /hello -> 200 hello from /hello',
      'shutting down with /slow in flight',
      'api: onStop (the listener is closed; close the database here)',
      'GET /slow -> slow answer, delivered during the shutdown',
      'stopped within the grace period: true',
      'api: stopped, listening: false',
    ]);
    expect(stderr).toMatch(/HTTP service listening .*url=http:\/\/127\.0\.0\.1:\d+/);
  });
});

describe('tcp-echo example', () => {
  it('echoes a line to itself, ends the idle connection at once on shutdown, and exits 0 within a few seconds', async () => {
    const { code, stdout, stderr, elapsed } = await runExample('tcp-echo');
    expect(code, stderr).toBe(0);
    expect(elapsed).toBeLessThan(EXIT_WITHIN);
    expect(lines(stdout)).toEqual([
      'echo: listening (tcp://127.0.0.1:<port>)',
      'client got: echo: hello',
      'client: the server ended the idle connection (EOF)',
      'stopped in under 500 ms: true',
      'echo: stopped',
    ]);
  });
});
