/**
 * `npm run bench [-- <filter>...]`: runs each benchmark file in its own Node process (so one
 * bench's heap and JIT state never colour another's), prints each one's tables as it goes, then
 * a summary of the headline figures.
 *
 * A filter selects the benches whose name contains it (case-insensitive): `npm run bench --
 * service` runs `service-loop` and `lone-services`; `npm run bench -- loop` only the first.
 * To add a bench, write `bench/<name>.ts` exporting a `Bench` and calling `runIfMain`, then list
 * it below.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type BenchMessage, fmtSeconds, machineLine, printTable } from './harness.ts';

/** Every bench, in the order they run. */
const BENCHES = [
  'service-loop',
  'lone-services',
  'supervisor',
  'own-machines',
  'control-load',
  'periodic',
  'isolation-process',
  'isolation-worker',
  'inspector',
  'inspector-events',
  'reliability',
  'singleton',
  'durable-queues',
  'testing',
  'task-pool',
] as const;

function runOne(name: string): Promise<{ code: number; message: BenchMessage | undefined }> {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  return new Promise((resolve, reject) => {
    let message: BenchMessage | undefined;
    // process.execArgv carries `--expose-gc --import tsx` from the npm script.
    const child = fork(file, [], { execArgv: process.execArgv, stdio: 'inherit' });
    child.on('message', (m) => {
      message = m as BenchMessage;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), message }));
  });
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2).map((f) => f.toLowerCase());
  const selected = BENCHES.filter(
    (name) => filters.length === 0 || filters.some((f) => name.includes(f)),
  );
  if (selected.length === 0) {
    console.error(
      `No bench matches ${filters.map((f) => `"${f}"`).join(', ')}; benches: ${BENCHES.join(', ')}.`,
    );
    return 1;
  }
  console.log(`# xstate-supervisor benchmarks\n\n${machineLine()}`);
  console.log(`Running: ${selected.join(', ')}`);
  const started = performance.now();
  const results: { name: string; code: number; message: BenchMessage | undefined }[] = [];
  for (const name of selected) results.push({ name, ...(await runOne(name)) });

  console.log('\n## Summary\n');
  const rows: string[][] = [];
  for (const r of results) {
    if (!r.message) {
      rows.push([r.name, `(no result: exit code ${r.code})`, '', '']);
      continue;
    }
    for (const h of r.message.headlines) {
      const verdict = h.target === undefined ? '' : `${h.target}: ${h.met ? 'met' : 'MISSED'}`;
      rows.push([r.name, h.metric, h.value, verdict]);
    }
  }
  printTable(['bench', 'metric', 'value', 'target'], rows, 'llrl');
  console.log(`\nAll done in ${fmtSeconds(performance.now() - started)}.`);
  return results.every((r) => r.code === 0) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
