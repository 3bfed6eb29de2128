/**
 * Runs the tcp-client and recurring examples in their own Node process, as a user would, and
 * checks the exit code and the lines that tell their story, in order.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

/** Asserts that each of `lines` appears in `out`, in this order. */
function inOrder(out: string, lines: readonly string[]): void {
  let from = 0;
  for (const line of lines) {
    const at = out.indexOf(line, from);
    expect(at, `"${line}" after position ${from} in:\n${out}`).toBeGreaterThanOrEqual(0);
    from = at + line.length;
  }
}

describe('client and recurring examples', () => {
  it('tcp-client reconnects after the server is restarted under it, and exits 0', async () => {
    const { code, stdout, stderr } = await runExample('tcp-client');
    expect(code, stderr).toBe(0);
    inOrder(stdout, [
      'upstream: connected',
      'upstream answered: HELLO',
      'server: stopped under the client',
      'write while reconnecting: CLIENT_NOT_CONNECTED',
      'server: started again on the same port',
      'upstream answered: HELLO AGAIN',
      'upstream: running, connections 2, failures ',
      'stopped',
    ]);
  });

  it('recurring paces itself, stops itself, and a shielded flush survives the shutdown', async () => {
    const { code, stdout, stderr } = await runExample('recurring');
    expect(code, stderr).toBe(0);
    inOrder(stdout, [
      'poller: handled job-0',
      'poller: handled job-5',
      'poller: producer done and inbox empty: stop',
      'poller: stopped after ',
      'flusher: flush started (300 ms)',
      'shutting down while a flush is in flight',
      'flusher: flush finished, its signal not aborted by the stop',
      'stopped',
    ]);
  });
});
