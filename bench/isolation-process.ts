/**
 * Start and restart time of a process service (a forked Node module, and a spawned command)
 * next to an in-process service: from `createActor(supervisor).start()` until the child is
 * `running`, and from `child.restart` until the next generation is `running` again (the old
 * child stopped with SIGTERM, the new one spawned). Medians of ROUNDS, interleaved.
 */
import { fileURLToPath } from 'node:url';
import { type AnyActorRef, type AnyStateMachine, createActor } from 'xstate';
import { shutdown } from '../src/actors/shutdown.ts';
import { getTree } from '../src/actors/tree.ts';
import { createProcessService } from '../src/isolation/process-service.ts';
import { createService } from '../src/machines/service.ts';
import { createSupervisor } from '../src/machines/supervisor.ts';
import {
  type Bench,
  fmtMs,
  fmtRatio,
  type Headline,
  machineLine,
  median,
  printTable,
  runIfMain,
} from './harness.ts';

const ROUNDS = 10;
const SLEEPER = fileURLToPath(new URL('../test/fixtures/processes/sleeper.mjs', import.meta.url));
const silent = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silent,
};

/** Resolves once child `id` is running at `generation`, polling every turn of the loop. */
function running(actor: AnyActorRef, generation: number): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => {
      const node = getTree(actor).children?.[0];
      if (node?.state === 'running' && node.generation === generation) resolve();
      else setImmediate(poll);
    };
    poll();
  });
}

interface Sample {
  readonly startMs: number;
  readonly restartMs: number;
}

async function measure(child: AnyStateMachine): Promise<Sample> {
  const id = child.id;
  const t0 = performance.now();
  const actor = createActor(
    createSupervisor({ id: 'root', strategy: 'one-for-one', children: [child], logger: silent }),
  ).start();
  await running(actor, 0);
  const startMs = performance.now() - t0;
  const t1 = performance.now();
  actor.send({ type: 'child.restart', id });
  await running(actor, 1);
  const restartMs = performance.now() - t1;
  await shutdown(actor);
  return { startMs, restartMs };
}

const VARIANTS: { label: string; make: () => AnyStateMachine }[] = [
  {
    label: 'in-process service',
    make: () => createService({ id: 'svc', pause: 1_000, iterate() {} }),
  },
  {
    label: 'process service (fork, module)',
    make: () => createProcessService({ id: 'svc', module: SLEEPER }),
  },
  {
    label: 'process service (spawn, `sleep 60`)',
    make: () => createProcessService({ id: 'svc', command: 'sleep', args: ['60'] }),
  },
];

export const bench: Bench = {
  name: 'isolation-process',
  title: 'Process services: start and restart vs an in-process service',
  async run(): Promise<Headline[]> {
    console.log(machineLine());
    console.log(
      `median of ${ROUNDS} interleaved rounds; one child under a one-for-one supervisor\n`,
    );
    for (const v of VARIANTS) await measure(v.make()); // warm-up
    const samples = VARIANTS.map(() => [] as Sample[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, v] of VARIANTS.entries()) samples[i]?.push(await measure(v.make()));
    }
    const mid = samples.map((s) => ({
      startMs: median(s.map((x) => x.startMs)),
      restartMs: median(s.map((x) => x.restartMs)),
    }));
    const base = mid[0] as Sample;
    printTable(
      ['variant', 'start', 'vs in-process', 'restart', 'vs in-process'],
      VARIANTS.map((v, i) => {
        const s = mid[i] as Sample;
        return [
          v.label,
          fmtMs(s.startMs),
          fmtRatio(s.startMs, base.startMs),
          fmtMs(s.restartMs),
          fmtRatio(s.restartMs, base.restartMs),
        ];
      }),
    );
    const fork = mid[1] as Sample;
    return [
      { metric: 'process service start (fork)', value: fmtMs(fork.startMs) },
      { metric: 'process service restart (fork)', value: fmtMs(fork.restartMs) },
      {
        metric: 'restart vs in-process',
        value: fmtRatio(fork.restartMs, base.restartMs),
      },
    ];
  },
};

runIfMain(import.meta, bench);
