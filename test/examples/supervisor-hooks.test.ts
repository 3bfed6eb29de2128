/**
 * Runs examples/supervisor-hooks in its own Node process, as a user would, and checks the
 * hooks' order around the children, their pairing across a restart, and the veto.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

describe('examples/supervisor-hooks', () => {
  it('wraps the children in onStart/onStop at every start, and a throwing onStart starts nothing', async () => {
    const { code, stdout, stderr } = await runExample('supervisor-hooks');
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    const story = lines.filter((l) => /^(onStart|onStop|\[child\.)/.test(l));
    expect(story).toEqual([
      'onStart spooler@0: spool directory made',
      '[child.started] spooler/writer generation 0',
      '[child.started] spooler generation 0',
      '[child.failed] spooler/writer generation 0',
      'onStop spooler@0: 2 file(s) written, spool directory removed',
      '[child.failed] spooler generation 0',
      'onStart spooler@1: spool directory made',
      '[child.started] spooler/writer generation 1',
      '[child.restarted] spooler generation 1',
      expect.stringMatching(/^onStop spooler@1: \d+ file\(s\) written, spool directory removed$/),
    ]);
    expect(lines).toContain('spool directories left: 0');
    expect(lines).toContain('locked: exit code 1, worker started: false, SUPERVISOR_START_VETOED');
    expect(stdout).not.toContain('never printed');
    expect(lines.at(-1)).toMatch(
      /^Supervisor "locked" did not start: its onStart threw \(lock .+ is taken\); no child was started\.$/,
    );
  });
});
