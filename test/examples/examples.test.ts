/**
 * Runs each example in its own Node process, as a user would, and checks its exit code and the
 * lines that tell its story. The examples finish by themselves within a few seconds.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from '../helpers/run-example.ts';

/** The output lines, for order checks. */
const lines = (out: string) => out.split('\n');
const indexOf = (out: string, line: string) => lines(out).indexOf(line);

describe('examples', () => {
  it('loop-controller example restarts both loops with generation + 1 and calls onReset once', async () => {
    const { code, stdout, stderr } = await runExample('loop-controller');
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('[child.failed] reader generation 0');
    expect(stdout).toContain('[child.stopped] writer generation 0 (restart of "reader")');
    expect(stdout).toContain('[child.restarted] reader generation 1');
    expect(stdout).toContain('[child.restarted] writer generation 1 (restart of "reader")');
    expect(stdout).toContain('onReset called 1 time(s)');
    // onReset comes after the stops and before the starts.
    const onReset = lines(stdout).findIndex((l) => l.startsWith('onReset:'));
    expect(onReset).toBeGreaterThan(indexOf(stdout, 'writer: stopped, generation 0'));
    expect(onReset).toBeLessThan(indexOf(stdout, 'reader: started, generation 1'));
    expect(stdout).toContain('tree: reader running generation 1');
    expect(stdout).toContain('tree: writer running generation 1');
  });

  it('loop-controller example leaves the resetGlobally: false loop untouched at generation 0', async () => {
    const { code, stdout } = await runExample('loop-controller');
    expect(code).toBe(0);
    expect(stdout).toContain('tree: metrics running generation 0');
    expect(stdout).not.toContain('metrics: started, generation 1');
    expect(stdout).not.toMatch(/\[child\.(stopped|restarted)\] metrics generation 0 \(restart/);
    // Shutdown stops the three in reverse start order.
    expect(indexOf(stdout, 'metrics: stopped, generation 0')).toBeLessThan(
      indexOf(stdout, 'writer: stopped, generation 1'),
    );
    expect(stdout).toContain('controller stopped');
  });

  it('otp-strategies example restarts only the failed child under one-for-one and the rest too under rest-for-one', async () => {
    const { code, stdout, stderr } = await runExample('otp-strategies');
    expect(code, stderr).toBe(0);
    const [oneForOne = '', restForOne = ''] = stdout.split('--- rest-for-one ---');
    expect(oneForOne).toContain('[child.failed] cache generation 0 (cache lost its connection)');
    expect(oneForOne).toContain('[child.restarted] cache generation 1');
    expect(oneForOne).not.toContain('[child.stopped] api generation 0 (restart of');
    expect(oneForOne).not.toContain('[child.restarted] api');
    expect(restForOne).toContain('[child.stopped] api generation 0 (restart of "cache")');
    expect(restForOne).toContain('[child.restarted] api generation 1 (restart of "cache")');
    expect(restForOne).not.toContain('[child.restarted] db');
    expect(stdout).toMatch(/db {6}0 {13}0/);
    expect(stdout).toMatch(/cache {3}1 {13}1/);
    expect(stdout).toMatch(/api {5}0 {13}1/);
  });

  it('escalation example fails every supervisor up to the root and prints a RunResult with exit code 1', async () => {
    const { code, stdout, stderr } = await runExample('escalation');
    expect(code, stderr).toBe(0);
    const exceeded = lines(stdout).filter((l) => l.startsWith('[supervisor.intensity-exceeded]'));
    expect(exceeded.map((l) => l.split(' ')[1])).toEqual(['mid/inner', 'mid/inner', 'mid', 'root']);
    expect(stdout).toContain('[child.failed] mid/inner/leaf generation 0: leaf broke');
    expect(stdout).toContain('[child.failed] mid generation 0: restart intensity exceeded');
    expect(stdout).toContain('tree: root failed, mid failed');
    expect(stdout).toContain('RunResult: exitCode 1, reason failed');
    expect(stdout).toMatch(/RunResult error: Supervisor "root" exceeded 0 restarts/);
  });

  it('process-hub example stops every child when one significant worker ends, and the hub stops itself', async () => {
    const { code, stdout, stderr } = await runExample('process-hub');
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('[child.stopped] worker-2 (normal)');
    expect(stdout).not.toContain('[child.restarted]');
    // The others stop in reverse start order, after worker-2 ended.
    const order = [
      'worker-2: stopped',
      'worker-3: stopped',
      'worker-1: stopped',
      'monitor: stopped',
    ];
    const at = order.map((l) => indexOf(stdout, l));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(stdout).toContain('hub: stopped');
    for (const id of ['monitor', 'worker-1', 'worker-2', 'worker-3'])
      expect(stdout).toContain(`tree: ${id} stopped generation 0`);
  });

  it('control-api example calls actions, restarts over HTTP, needs the token and ends the run on POST /shutdown', async () => {
    const { code, stdout } = await runExample('control-api');
    expect(code).toBe(0);
    // 41 on top of the iterations so far (one at least; more on a loaded machine).
    const hits = /perform jobs\/counter add \{by: 41\} -> \{"hits":(\d+)\}/.exec(stdout)?.[1];
    expect(Number(hits), stdout).toBeGreaterThanOrEqual(42);
    expect(stdout).toContain('perform with bad input -> 400 BAD_INPUT');
    expect(stdout).toContain('POST /services/jobs/counter/restart -> 200 generation 1');
    expect(stdout).toContain('"generation":1}');
    expect(stdout).toContain('GET /tree without the token -> 401');
    expect(stdout).toContain('run ended: exit code 0, reason request');
  });

  it('inspector example shows the app machine, the tree and a failure fixed by a restart', async () => {
    const { code, stdout, stderr } = await runExample('inspector');
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/inspector: http:\/\/127\.0\.0\.1:\d+\//);
    expect(stdout).toContain('page: actor app is serving');
    expect(stdout).toContain('page: actor heartbeat is active');
    expect(stdout).toContain('page: service mailer is running gen 0');
    expect(stdout).toContain('button fail on poller: HTTP 200');
    expect(stdout).toContain('page: timeline child.restarted poller (gen 1)');
    expect(stdout).toContain('page: service poller is running gen 1');
    expect(stdout).toContain('example: stopped');
  });
});
