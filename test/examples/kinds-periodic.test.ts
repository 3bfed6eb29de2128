/**
 * Runs the periodic and cron examples in their own Node process, as a user would, and checks
 * the exit code and the lines that tell their story.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

/** The index of the first line containing `text`. */
const lineOf = (out: string, text: string) => out.split('\n').findIndex((l) => l.includes(text));

describe('service kind examples', () => {
  it('periodic example skips the overrun slots of the fixed-rate sampler and exits 0', async () => {
    const { code, stdout, stderr } = await runExample('periodic');
    expect(code, stderr).toBe(0);
    for (const line of [
      'sampler run 0 starts',
      'sampler run 2 starts',
      'sampler run 3 starts',
      'flusher run 0 starts (takes 100 ms)',
      'sampler: running',
      'schedule fixed-delay, every 300 ms, skipped 0',
      'stopped: stopped',
    ]) {
      expect(stdout).toContain(line);
    }
    // Run 2 overruns at least two slots (more when the machine is slow); the tree counts the
    // same number the warning names.
    const skipped = Number(/skipped (\d+) slot\(s\)/.exec(stdout)?.[1]);
    expect(skipped).toBeGreaterThanOrEqual(2);
    expect(stdout).toContain(`schedule fixed-rate, every 200 ms, skipped ${skipped}`);
    // The warning comes when run 2 ends, before run 3 starts on the grid.
    const warning = `skipped ${skipped} slot(s)`;
    expect(lineOf(stdout, warning)).toBeGreaterThan(lineOf(stdout, 'sampler run 2'));
    expect(lineOf(stdout, warning)).toBeLessThan(lineOf(stdout, 'sampler run 3'));
  });

  it('cron example skips the fire time its slow run overlaps, shows time zones, and exits 0', async () => {
    const { code, stdout, stderr } = await runExample('cron');
    expect(code, stderr).toBe(0);
    for (const line of [
      'heartbeat run 0 starts (takes 1.2 s)',
      'cron run overlapped 1 fire time(s); skipped',
      'heartbeat run 1 starts',
      'heartbeat: running, cron "* * * * * *" in UTC, skipped 1',
      'report: running, cron "0 0 9 * * *" in Asia/Tokyo, skipped 0',
      'stopped: stopped',
    ]) {
      expect(stdout).toContain(line);
    }
    // 09:00 in Tokyo is midnight UTC.
    expect(stdout).toMatch(/next fire times \(UTC\): (\d{4}-\d\d-\d\dT00:00:00\.000Z(, )?){3}/);
    // Run 1 starts two whole seconds after run 0 (the second in between was skipped).
    const seconds = (text: string) => {
      const line = stdout.split('\n')[lineOf(stdout, text)] ?? '';
      const [h, m, s] = line.slice(0, 8).split(':').map(Number);
      return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
    };
    expect((seconds('heartbeat run 1') - seconds('heartbeat run 0') + 86_400) % 86_400).toBe(2);
  });
});
