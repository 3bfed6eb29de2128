/**
 * The assertions of a fault run, one `it` per invariant, for `faults.test.ts` (one `describe`
 * per seed).
 */
import { beforeAll, expect, it } from 'vitest';
import { checkFaultRun, explain, summarise, type Violations } from './fault-checks.ts';
import { type FaultRun, type FaultTreeSize, runFaultTree } from './fault-tree.ts';

/** Registers the invariants of one run of `size` in the current `describe`. */
export function faultInvariants(size: FaultTreeSize): void {
  let run: FaultRun;
  let v: Violations;
  beforeAll(async () => {
    run = await runFaultTree(size);
    v = checkFaultRun(run);
  }, 60_000);
  const check = (list: () => readonly string[], what: string) => () => {
    expect(explain(run, list(), what), JSON.stringify(summarise(run))).toBe('');
  };
  it('injects the faults it planned and runs them (the tree did not die early)', () => {
    const ran = run.faults.filter((f) => f.kind === 'command' || f.generation !== undefined);
    expect(ran.length, `seed ${run.seed}`).toBeGreaterThan(run.faults.length / 3);
  });
  it(
    'crashes nothing: no uncaught exception, no unhandled rejection, the root actor alive',
    check(() => v.crash, 'crashes'),
  );
  it(
    'leaves no child starting or stopping once the faults have settled',
    check(() => v.stuck, 'stuck children'),
  );
  it(
    'leaves every child in the state its last report says',
    check(() => v.treeVsReports, 'children in a wrong state'),
  );
  it(
    'restarts every child its restart type says to, under every running supervisor',
    check(() => v.restartPolicy, 'children left down against their restart type'),
  );
  it(
    'escalates exactly when restarts exceed maxRestarts within restartWindow',
    check(() => v.escalation, 'escalations off policy'),
  );
  it(
    'reports child.killed for every generation that hung past grace and was ended',
    check(() => v.killed, 'kills not reported'),
  );
  it(
    'answers every command over the control API without a 5xx',
    check(() => v.control5xx, '5xx answers'),
  );
}
