/**
 * Runs the queue worker and event worker examples in their own Node process, as a user would,
 * and checks the exit code and the lines that tell their story.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

const lines = (out: string) => out.split('\n').map((l) => l.trim());

describe('queue-worker example', () => {
  it('handles the urgent task first, refuses the overflow, survives a failure and drains on shutdown', async () => {
    const { code, stdout, stderr } = await runExample('queue-worker');
    expect(code, stderr).toBe(0);
    const out = lines(stdout);
    const resized = out.filter((l) => l.startsWith('resized '));
    expect(resized.slice(0, 4)).toEqual([
      'resized urgent.png (generation 0)',
      'resized a.png (generation 0)',
      'resized b.png (generation 0)',
      'resized c.png (generation 0)',
    ]);
    expect(out).toContain('bulk-8.png refused: QUEUE_FULL (capacity 6)');
    expect(out).toContain('[child.failed] thumbnails: cannot decode corrupt.png');
    expect(out).toContain('[child.restarted] thumbnails generation 1');
    expect(out).toContain('resized after-2.png (generation 1)');
    expect(out.indexOf('resized last-3.png (generation 1)')).toBeGreaterThan(
      out.findIndex((l) => l.startsWith('still queued at shutdown')),
    );
    // Every task taken was handled (each resized one, and corrupt.png that failed); how many
    // bulk tasks the full queue refused depends on how far the workers got, so count them.
    const details = out.find((l) => l.startsWith('tree details: '))?.slice('tree details: '.length);
    expect(JSON.parse(details ?? 'null')).toEqual({
      queued: 0,
      inFlight: 0,
      processed: resized.length + 1,
      capacity: 6,
    });
    expect(out).toContain('sent mail to ann');
    expect(out).toContain('onDiscard got 2 task(s): bob, cy');
    expect(out).not.toContain('sent mail to bob');
    expect(out.at(-2)).toBe('done');
  });
});

describe('event-worker example', () => {
  it('coalesces three triggers during a run into one more run, and is restarted after a failing run', async () => {
    const { code, stdout, stderr } = await runExample('event-worker');
    expect(code, stderr).toBe(0);
    const out = lines(stdout);
    expect(out).toContain('trigger() x3 during run -> true, false, false');
    expect(out).toContain('details: {"runs":2,"coalesced":2,"pending":true}');
    expect(out).toContain('details: {"runs":3,"coalesced":2,"pending":false}');
    expect(out).not.toContain('run 4 finished');
    expect(out).toContain('[child.failed] reindex: index locked');
    expect(out).toContain('[child.restarted] reindex generation 1');
    expect(out).toContain('run 5 started (generation 1)');
    expect(out).toContain('runs in all: 5');
  });
});
