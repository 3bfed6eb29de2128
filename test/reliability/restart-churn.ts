/**
 * Restarts of each kind, many times over, on a simulated clock: the suite's check that a restart
 * leaves nothing behind (simulated timers, the process's handles and timers, and, under
 * `--expose-gc`, heap). Shared by `restarts.test.ts` and `bench/reliability.ts`.
 */
import { type AnyActorRef, createActor } from 'xstate';
import { createService, createSupervisor, shutdown, silentLogger } from '../../src/index.ts';
import { SimClock } from './sim-clock.ts';

/** What restarts the child: its own failure, a sibling's (one-for-all), a command, a kill. */
export type RestartKind = 'failure' | 'group' | 'manual' | 'hard-reset' | 'kill';

export const RESTART_KINDS: readonly RestartKind[] = [
  'failure',
  'group',
  'manual',
  'hard-reset',
  'kill',
];

/** The process's resources and the clock's timers at one moment. */
export interface Resources {
  readonly simTimers: number;
  /** `process.getActiveResourcesInfo()` by type (`Timeout`, `Immediate`, `TCPWRAP`, ...). */
  readonly active: Readonly<Record<string, number>>;
  /** Heap in use after a forced GC, when `global.gc` is there. */
  readonly heap: number | undefined;
}

export interface ChurnResult {
  readonly kind: RestartKind;
  readonly restarts: number;
  readonly before: Resources;
  readonly after: Resources;
  readonly wallMs: number;
}

function resources(clock: SimClock): Resources {
  const active: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) active[r] = (active[r] ?? 0) + 1;
  const collect = (globalThis as { gc?: () => void }).gc;
  let heap: number | undefined;
  if (collect) {
    collect();
    collect();
    heap = process.memoryUsage().heapUsed;
  }
  return { simTimers: clock.pending, active, heap };
}

function tree(kind: RestartKind) {
  const hangStop = kind === 'kill';
  const child = createService({
    id: 'child',
    minPeriod: 5,
    maxFailures: 0,
    gracePeriod: 10,
    iterate(ctx) {
      // The second iteration fails: a pacing period of simulated time between two restarts.
      if ((kind === 'failure' || kind === 'group') && ctx.iteration > 0) throw new Error('churn');
    },
    ...(hangStop ? { onStop: () => new Promise<never>(() => {}) } : {}),
  });
  const siblings =
    kind === 'group'
      ? [
          createService({ id: 'a', minPeriod: 50, iterate() {} }),
          createService({ id: 'b', minPeriod: 50, iterate() {} }),
        ]
      : [];
  return createSupervisor({
    id: 'root',
    strategy: kind === 'group' ? 'one-for-all' : 'one-for-one',
    maxRestarts: 1_000_000_000,
    restartWindow: 1,
    logger: silentLogger,
    children: [...siblings, child],
  });
}

async function restartsUntil(
  actor: AnyActorRef,
  clock: SimClock,
  kind: RestartKind,
  target: number,
  counter: { n: number },
): Promise<void> {
  const event =
    kind === 'manual' || kind === 'kill'
      ? { type: 'child.restart', id: 'child' }
      : kind === 'hard-reset'
        ? { type: 'child.hard-reset', id: 'child' }
        : undefined;
  while (counter.n < target) {
    const before = counter.n;
    if (event) actor.send(event);
    // Each restart needs at most one pacing period, one grace period or one timer of the loop.
    for (let i = 0; i < 100 && counter.n === before; i++) await clock.advance(5);
    if (counter.n === before) throw new Error(`no ${kind} restart happened after ${before}`);
  }
}

/**
 * Runs `count` restarts of `kind` after a warm-up, and reads the resources before and after.
 *
 * @example
 * ```ts
 * const r = await churn('kill', 10_000);
 * r.after.simTimers - r.before.simTimers; // 0: no timer left behind
 * ```
 */
export async function churn(kind: RestartKind, count: number, warmup = 50): Promise<ChurnResult> {
  const clock = new SimClock();
  const actor = createActor(tree(kind), { clock });
  const counter = { n: 0 };
  actor.on('child.restarted', (r) => {
    if ((r as { id: string }).id === 'child') counter.n++;
  });
  actor.start();
  await clock.advance(0);
  await restartsUntil(actor, clock, kind, warmup, counter);
  const before = resources(clock);
  const started = performance.now();
  await restartsUntil(actor, clock, kind, warmup + count, counter);
  const wallMs = performance.now() - started;
  const after = resources(clock);
  const stopping = shutdown(actor);
  let done = false;
  void stopping.then(() => {
    done = true;
  });
  for (let i = 0; i < 100 && !done; i++) await clock.advance(10);
  return { kind, restarts: counter.n - warmup, before, after, wallMs };
}

/** The resource types whose count grew, as `Timeout +3`. */
export function grown(r: ChurnResult, slack = 0): string[] {
  const out: string[] = [];
  if (r.after.simTimers > r.before.simTimers + slack) {
    out.push(`simulated timers +${r.after.simTimers - r.before.simTimers}`);
  }
  const types = new Set([...Object.keys(r.before.active), ...Object.keys(r.after.active)]);
  for (const t of types) {
    const d = (r.after.active[t] ?? 0) - (r.before.active[t] ?? 0);
    if (d > slack) out.push(`${t} +${d}`);
  }
  return out;
}
