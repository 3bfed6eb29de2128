/**
 * Runs the own-machines example in its own Node process, as a user would.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

describe('own-machines example', () => {
  it('restarts a user machine that threw in an action as a new actor, and stops it by its own close event', async () => {
    const { code, stdout, stderr } = await runExample('own-machines');
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toContain('db is "connected", queries 1');
    expect(lines).toContain('[child.stopped] migrate generation 0 (normal)');
    const failed = lines.indexOf('[child.failed] db generation 0 (refused: DROP TABLE users)');
    expect(failed).toBeGreaterThan(-1);
    expect(lines[failed + 1]).toBe('[child.restarted] db generation 1 (refused: DROP TABLE users)');
    expect(lines).toContain("system.get('db') is a new actor: true, generation 1");
    expect(lines.at(-1)).toBe('after shutdown: db stopped in "closed"');
  });
});
