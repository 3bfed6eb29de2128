import { beforeAll, describe, expect, it } from 'vitest';
import { seedFromEnv } from './fault-tree.ts';
import { type MalformedRun, MISTAKES, sendMalformed } from './malformed-requests.ts';

describe('the control API under 500 malformed requests', () => {
  const seed = seedFromEnv(1);
  let run: MalformedRun;
  beforeAll(async () => {
    run = await sendMalformed(500, seed);
  }, 60_000);

  it('answers none of them with a 5xx', () => {
    const bad = run.answers.filter((a) => a.status >= 500);
    expect(bad, `seed ${seed}`).toEqual([]);
  });

  it('logs none of them at error level', () => {
    const errors = run.logger.kept.filter((l) => l.level === 'error');
    expect(run.logger.counts.error, JSON.stringify(errors.slice(0, 5))).toBe(0);
  });

  it('answers every kind of mistake, aborted bodies aside, with a 4xx', () => {
    for (const m of MISTAKES) {
      const answers = run.answers.filter((a) => a.mistake === m);
      expect(answers.length, m).toBeGreaterThan(0);
      if (m === 'aborted-body') continue;
      const unanswered = answers.filter((a) => a.status === 0 || a.status >= 500);
      expect(unanswered, m).toEqual([]);
      // `GET /tree` is the one right method among the wrong ones.
      const ok = answers.filter((a) => a.status < 400 && !a.request.startsWith('GET /tree'));
      expect(ok, m).toEqual([]);
    }
  });
});
