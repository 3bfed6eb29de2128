/**
 * Runs the shared-context example in its own Node process, as a user would, and checks the
 * story it tells: the value handed over in any start order, the restart's fresh value, and
 * the two error codes.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

describe('shared-context example', () => {
  it('hands api the pool db sets, the new one after a restart, and says why a never-set key and an eager onStart fail', async () => {
    const { code, stdout, stderr } = await runExample('shared-context');
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toContain('api: pool@0: select 1');
    expect(lines).toContain('api after the restart: pool@1: select 1');
    // pool@0 was closed before pool@1 was set, and api never answered from a closed pool.
    expect(lines.indexOf('db: closed pool@0')).toBeLessThan(lines.indexOf('db: set pool@1'));
    expect(stdout).not.toContain('is closed');
    expect(lines).toContain("get('cache'): CONTEXT_KEY_NEVER_SET");
    expect(lines).toContain("eager's start: CONTEXT_KEY_NOT_SET_AT_START");
    expect(lines).toContain('tree: stopped');
    expect(lines.at(-2)).toBe('done');
  });
});
