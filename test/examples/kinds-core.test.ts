/**
 * Runs the graceful-tasks and config examples in their own Node process, as a user would, and
 * checks the exit code and the lines that tell their story.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

/** The output lines without the time stamps, trimmed. */
const lines = (out: string) => out.split('\n').map((l) => l.replace(/^\s*\d+ ms {2}/, '').trim());
const at = (out: string[], text: string) => out.findIndex((l) => l.startsWith(text));

describe('graceful-tasks example', () => {
  it('aborts the cancel: true task at once, awaits the upload, aborts the archive at gracefulWaitTimeout, then runs onStop', async () => {
    const { code, stdout, stderr } = await runExample('graceful-tasks');
    expect(code, stderr).toBe(0);
    const out = lines(stdout);
    expect(out).toContain('tree: running, failures 1, lastError "checksum mismatch"');
    expect(out).toContain('[error] graceful task failed');
    const stopping = at(out, 'stopping');
    const prefetch = at(out, 'prefetch: AbortError');
    const upload = at(out, 'upload a.bin: finished');
    const warning = at(out, '[warn] graceful tasks still running after gracefulWaitTimeout');
    const onStop = at(out, 'onStop: runs after the tasks');
    expect(stopping).toBeGreaterThan(-1);
    expect(prefetch).toBeGreaterThan(stopping);
    expect(upload).toBeGreaterThan(prefetch);
    expect(warning).toBeGreaterThan(upload);
    expect(onStop).toBeGreaterThan(warning);
    expect(
      at(out, 'archive: AbortError, aborted when gracefulWaitTimeout was over'),
    ).toBeGreaterThan(warning);
    expect(out).toContain('final state: stopped');
  });

  it('completes the stop within gracefulWaitTimeout, not gracePeriod', async () => {
    const { code, stdout } = await runExample('graceful-tasks');
    expect(code).toBe(0);
    const match = /stopped in (\d+) ms/.exec(stdout);
    expect(match).not.toBeNull();
    const ms = Number(match?.[1]);
    expect(ms).toBeGreaterThanOrEqual(790);
    // gracePeriod is 5 s and the archive task 30 s: ending well before either is the point;
    // the slack absorbs a loaded machine.
    expect(ms).toBeLessThan(4_500);
  });
});

describe('config example', () => {
  it('names every wrong key in one ServiceConfigError, then runs with typed, coerced values', async () => {
    const { code, stdout, stderr } = await runExample('config');
    expect(code, stderr).toBe(0);
    const out = lines(stdout);
    expect(out).toContain('1. ServiceConfigError (SERVICE_CONFIG_INVALID) on config.values:');
    expect(stdout).toContain('3 keys are wrong');
    expect(stdout).toContain('`DEMO_HOST` is missing');
    expect(stdout).toContain('`DEMO_PORT` is `"80800"` (string)');
    expect(stdout).toContain('`DEMO_DEBUG` is `"maybe"` (string)');
    expect(out).toContain('onStart[0] openPool: 127.0.0.1:8080');
    expect(out).toContain('onStart[1] announce: debug true');
    expect(out).toContain('iteration 0: port 8080 is a number');
    expect(at(out, 'onStop[0] closePool')).toBeGreaterThan(at(out, 'iteration 1:'));
    expect(out).toContain('state: stopped');
  });

  it('stops at the failing onStart hook and undoes only the hooks that ran', async () => {
    const { code, stdout } = await runExample('config');
    expect(code).toBe(0);
    const out = lines(stdout);
    const third = out.slice(at(out, '3. a service whose second onStart hook throws'));
    expect(third.slice(1, 4)).toEqual([
      'onStart[0] openPool',
      'onStart[1] migrate: throws',
      'onStop[0] closePool: undoes openPool',
    ]);
    expect(stdout).not.toContain('never runs');
    expect(out).toContain(
      'state: failed; lastError: 1 hook of service "broken" failed: onStart[1] migrate: migration 42 failed.',
    );
  });

  it('exits 1 naming the key when the environment is wrong', async () => {
    const { code, stdout } = await runExample('config', { env: { DEMO_PORT: 'http' } });
    expect(code).toBe(1);
    expect(stdout).toContain('the environment is wrong');
    expect(stdout).toContain('1 key is wrong: `DEMO_PORT` is `"http"` (string)');
  });
});
