/**
 * The fault suite at full size (issue 11): a mixed tree of 1,000 services under nested
 * supervisors with 10,000 injected faults; 10,000 restarts of each kind with heap, handles and
 * timers against their baseline; 10,000 malformed control-API requests; SIGTERM to a process
 * with 1,000 queued jobs. The same code as `test/reliability/` (which runs it small), so a
 * figure here and a check there mean the same thing. `RELIABILITY_SEED` replays a run.
 */
import { checkFaultRun, summarise } from '../test/reliability/fault-checks.ts';
import { runFaultTree, seedFromEnv } from '../test/reliability/fault-tree.ts';
import { MISTAKES, sendMalformed } from '../test/reliability/malformed-requests.ts';
import { sigtermWithQueuedJobs } from '../test/reliability/queued-jobs.ts';
import { churn, grown, RESTART_KINDS } from '../test/reliability/restart-churn.ts';
import {
  type Bench,
  fmtBytes,
  fmtInt,
  fmtSeconds,
  type Headline,
  printTable,
  runIfMain,
} from './harness.ts';

const SERVICES = 1_000;
const FAULTS = 10_000;
const RESTARTS = 10_000;
const REQUESTS = 10_000;
const JOBS = 1_000;

async function faults(seed: number): Promise<Headline[]> {
  const run = await runFaultTree({ services: SERVICES, faults: FAULTS, seed, faultEvery: 1 });
  const v = checkFaultRun(run);
  const s = summarise(run);
  console.log(`### ${fmtInt(SERVICES)} services, ${fmtInt(FAULTS)} faults (seed ${seed})\n`);
  printTable(
    ['figure', 'value'],
    Object.entries(s).map(([k, value]) => [k, String(value)]),
  );
  console.log(
    `\nwall time ${fmtSeconds(run.wallMs)} for ${fmtSeconds(run.simulatedMs)} simulated\n`,
  );
  const rows = Object.entries(v).map(([k, list]) => [k, fmtInt(list.length), list[0] ?? '']);
  printTable(['invariant', 'violations', 'first'], rows, 'lrl');
  return [
    {
      metric: 'fault tree: crashes',
      value: fmtInt(v.crash.length),
      target: '0',
      met: v.crash.length === 0,
    },
    {
      metric: 'fault tree: children in a wrong state',
      value: fmtInt(v.stuck.length + v.treeVsReports.length + v.restartPolicy.length),
      target: '0',
      met: v.stuck.length + v.treeVsReports.length + v.restartPolicy.length === 0,
    },
    {
      metric: 'fault tree: escalations off policy',
      value: fmtInt(v.escalation.length),
      target: '0',
      met: v.escalation.length === 0,
    },
    {
      metric: 'fault tree: kills not reported',
      value: fmtInt(v.killed.length),
      target: '0',
      met: v.killed.length === 0,
    },
  ];
}

async function restarts(): Promise<Headline[]> {
  console.log(`\n### ${fmtInt(RESTARTS)} restarts of each kind\n`);
  const rows: string[][] = [];
  let leaks = 0;
  let heapGrowth = 0;
  for (const kind of RESTART_KINDS) {
    const r = await churn(kind, RESTARTS);
    const g = grown(r);
    leaks += g.length;
    const dHeap = (r.after.heap ?? 0) - (r.before.heap ?? 0);
    heapGrowth = Math.max(heapGrowth, dHeap);
    rows.push([
      kind,
      fmtInt(r.restarts),
      fmtSeconds(r.wallMs),
      `${r.before.simTimers} -> ${r.after.simTimers}`,
      g.join(', ') || 'none',
      fmtBytes(r.before.heap ?? 0),
      fmtBytes(dHeap),
    ]);
  }
  printTable(
    ['kind', 'restarts', 'wall', 'sim timers', 'handles grown', 'heap before', 'heap delta'],
    rows,
    'lrrrlrr',
  );
  return [
    {
      metric: 'restarts: handles/timers grown',
      value: fmtInt(leaks),
      target: '0',
      met: leaks === 0,
    },
    {
      metric: 'restarts: worst heap delta',
      value: fmtBytes(heapGrowth),
      target: '< 1 MiB',
      met: heapGrowth < 1024 * 1024,
    },
  ];
}

async function malformed(seed: number): Promise<Headline[]> {
  console.log(`\n### ${fmtInt(REQUESTS)} malformed control-API requests\n`);
  const run = await sendMalformed(REQUESTS, seed);
  const rows = MISTAKES.map((m) => {
    const answers = run.answers.filter((a) => a.mistake === m);
    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    return [
      m,
      fmtInt(answers.length),
      [...statuses]
        .sort()
        .map(([s, n]) => `${s}: ${n}`)
        .join(', '),
    ];
  });
  printTable(['mistake', 'requests', 'statuses (0: none)'], rows, 'lrl');
  const fivexx = run.answers.filter((a) => a.status >= 500).length;
  console.log(`\n${fmtSeconds(run.wallMs)}; log lines: ${JSON.stringify(run.logger.counts)}`);
  return [
    { metric: 'malformed: 5xx', value: fmtInt(fivexx), target: '0', met: fivexx === 0 },
    {
      metric: 'malformed: error-level logs',
      value: fmtInt(run.logger.counts.error),
      target: '0',
      met: run.logger.counts.error === 0,
    },
  ];
}

async function sigterm(): Promise<Headline[]> {
  console.log(`\n### SIGTERM with ${fmtInt(JOBS)} queued jobs\n`);
  const r = await sigtermWithQueuedJobs(JOBS, 2, 60_000);
  printTable(
    ['jobs', 'handled', 'discarded', 'lost', 'twice', 'exit code'],
    [[r.jobs, r.handled, r.discarded, r.lost, r.twice, r.exitCode ?? r.signal].map(String)],
  );
  return [
    {
      metric: 'SIGTERM: jobs lost silently',
      value: fmtInt(r.lost),
      target: '0',
      met: r.lost === 0 && r.twice === 0,
    },
  ];
}

export const bench: Bench = {
  name: 'reliability',
  title: 'Fault suite at full size (issue 11)',
  async run() {
    const seed = seedFromEnv(1);
    return [
      ...(await faults(seed)),
      ...(await restarts()),
      ...(await malformed(seed)),
      ...(await sigterm()),
    ];
  },
};

runIfMain(import.meta, bench);
