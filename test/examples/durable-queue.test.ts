/**
 * Runs the durable-queue example in its own Node process against the local PostgreSQL, as a
 * user would, in a schema of its own.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

describe('durable-queue example', () => {
  it('enqueues in a transaction, deduplicates, orders by priority, retries and dead-letters, then ends by itself', async () => {
    const schema = `xsq_ex_${randomBytes(4).toString('hex')}`;
    const { code, stdout, stderr } = await runExample('durable-queue', {
      env: { DURABLE_EXAMPLE_SCHEMA: schema },
      timeout: 45_000,
    });
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toContain('enqueue order-42 again: deduplicated');
    expect(lines.filter((l) => l.startsWith('sent to buyer@'))).toHaveLength(1);
    expect(stdout).not.toContain('ghost@example.com');
    const sent = lines.filter((l) => l.startsWith('sent to')).map((l) => l.split(' ')[2]);
    expect(sent.indexOf('reset-password@example.com')).toBeLessThan(
      sent.indexOf('newsletter@example.com'),
    );
    expect(sent).toContain('flaky@example.com');
    expect(lines).toContain('dead letter: broken@example.com after 2 attempts');
    expect(lines).toContain('mailer: processed 8, dead letters 1');
    expect(lines.at(-1)).toBe('done');
  }, 60_000);
});
