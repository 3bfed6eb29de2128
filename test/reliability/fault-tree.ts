/**
 * The fault suite's tree and injector, shared by `test/reliability/faults.test.ts` (small) and
 * `bench/reliability.ts` (full size): a mixed tree of services under nested supervisors, built
 * from a seed, and a plan of faults the seed decides (throws, rejections, `ctx.fail`, hangs past
 * grace in iterate/onStart/onStop, commands over the control API). Time is simulated
 * ({@link SimClock}); commands go over real sockets to 127.0.0.1.
 */
import { request } from 'node:http';
import { type AnyStateMachine, createActor } from 'xstate';
import {
  type ControlServer,
  createControlServer,
  createService,
  createSupervisor,
  getTree,
  type RestartType,
  type ServiceContext,
  type Strategy,
  type SupervisorReport,
  shutdown,
  type TreeNode,
} from '../../src/index.ts';
import { type CountingLogger, countingLogger } from './counting-logger.ts';
import { SimClock, seeded } from './sim-clock.ts';

/** What the suite injects. `command` is a control-API command on a random node. */
export type FaultKind =
  | 'throw'
  | 'reject'
  | 'fail'
  | 'fail-hang'
  | 'end'
  | 'hang-iterate'
  | 'hang-onStart'
  | 'hang-onStop'
  | 'throw-onStart'
  | 'command';

/** How often each kind is drawn (weights). */
const WEIGHTS: readonly (readonly [FaultKind, number])[] = [
  ['throw', 15],
  ['reject', 15],
  ['fail', 10],
  ['fail-hang', 8],
  ['end', 6],
  ['hang-iterate', 8],
  ['hang-onStart', 5],
  ['hang-onStop', 7],
  ['throw-onStart', 6],
  ['command', 20],
];

export type CommandName = 'start' | 'stop' | 'restart' | 'hard-reset' | 'fail';
const COMMANDS: readonly (readonly [CommandName, number])[] = [
  ['restart', 35],
  ['fail', 25],
  ['hard-reset', 15],
  ['start', 15],
  ['stop', 10],
];

/** The error every injected failure throws, naming the fault. */
export class FaultError extends Error {
  readonly kind: FaultKind;
  readonly phase: 'iterate' | 'onStart';
  constructor(kind: FaultKind, path: string, index: number, phase: 'iterate' | 'onStart') {
    super(`injected ${kind} #${index} in ${phase} of ${path}`);
    this.name = 'FaultError';
    this.kind = kind;
    this.phase = phase;
  }
}

/** One node of the generated tree, as the checks need it. */
export interface NodeSpec {
  readonly path: string;
  readonly id: string;
  readonly kind: 'service' | 'supervisor';
  readonly restart: RestartType;
  readonly parent: string;
  readonly strategy?: Strategy;
  readonly maxRestarts?: number;
  readonly restartWindow?: number;
}

/** A fault of the plan, and what became of it. */
export interface Fault {
  readonly index: number;
  readonly kind: FaultKind;
  readonly target: string;
  readonly command?: CommandName;
  /** The generation it hit, once it ran. */
  generation?: number;
}

/** A generation left hanging past grace (ignoring its signal) by a fault. */
export interface Hang {
  readonly path: string;
  readonly generation: number;
  readonly where: 'iterate' | 'onStart' | 'onStop';
  readonly fault: number;
}

/** One control-API command the injector sent, and its answer (0: none came). */
export interface CommandOutcome {
  readonly path: string;
  readonly command: CommandName;
  status: number;
  code?: string;
  /** Simulated time when the answer came. */
  at?: number;
}

/** A report as recorded at the root, stamped with simulated time. */
export interface Recorded {
  readonly type: SupervisorReport['type'];
  readonly path: string;
  readonly generation: number;
  readonly reason: unknown;
  readonly restarts: number | undefined;
  readonly at: number;
  /** A manual start/restart failed with this report (the command answered START_FAILED). */
  manualStartFailure?: boolean;
}

export interface FaultTreeSize {
  readonly services: number;
  readonly faults: number;
  readonly seed: number;
  /** Simulated ms between two faults. @default 2 */
  readonly faultEvery?: number;
  /** Simulated ms the tree runs after the last fault, before the checks. @default 5000 */
  readonly settleMs?: number;
  /** Fault kinds left out of the plan (to tell one defect's effects from another's). @default [] */
  readonly without?: readonly FaultKind[];
}

export interface FaultRun {
  readonly seed: number;
  readonly nodes: ReadonlyMap<string, NodeSpec>;
  readonly faults: readonly Fault[];
  readonly hangs: readonly Hang[];
  /** The reports up to the moment `tree` was read (the shutdown's are left out). */
  readonly reports: readonly Recorded[];
  readonly commands: readonly CommandOutcome[];
  readonly logger: CountingLogger;
  readonly uncaught: readonly unknown[];
  /** `getTree(root)` after the faults settled, before the shutdown. */
  readonly tree: TreeNode;
  /** The root actor's XState status at the end (`active`; `error` is a crash). */
  readonly status: string;
  readonly simulatedMs: number;
  readonly wallMs: number;
}

const NEVER = new Promise<never>(() => {});

function pick<T>(random: () => number, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let x = random() * total;
  for (const [value, w] of weighted) {
    x -= w;
    if (x < 0) return value;
  }
  return weighted[weighted.length - 1]![0];
}

function int(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Per-service mailbox: faults wait here for the service's next iteration, start or stop. */
interface Box {
  readonly queue: Fault[];
  startFault: Fault | undefined;
  stopFault: Fault | undefined;
}

/** What the services call back into. */
interface Harness {
  readonly hangs: Hang[];
  command(path: string, command: CommandName): void;
}

/** The generated tree. */
interface Built {
  readonly root: AnyStateMachine;
  readonly nodes: Map<string, NodeSpec>;
  readonly services: string[];
  readonly boxes: Map<string, Box>;
}

function buildTree(random: () => number, size: number, harness: Harness, logger: CountingLogger) {
  const nodes = new Map<string, NodeSpec>();
  const services: string[] = [];
  const boxes = new Map<string, Box>();
  let nextService = 0;
  let nextGroup = 0;

  const service = (parent: string): AnyStateMachine => {
    const id = `s${nextService++}`;
    const path = parent === '' ? id : `${parent}/${id}`;
    const restart = pick<RestartType>(random, [
      ['permanent', 60],
      ['transient', 25],
      ['temporary', 15],
    ]);
    const maxFailures = int(random, 0, 2);
    const box: Box = { queue: [], startFault: undefined, stopFault: undefined };
    boxes.set(path, box);
    services.push(path);
    nodes.set(path, { path, id, kind: 'service', restart, parent });
    return createService({
      id,
      restart,
      maxFailures,
      gracePeriod: int(random, 10, 40),
      // A hung onStart fails its start at this bound (simulated ms), well within the settle.
      startTimeout: 100,
      minPeriod: int(random, 20, 100),
      iterate(ctx) {
        const f = box.queue.shift();
        return f ? runFault(f, ctx, path, maxFailures, box, harness) : undefined;
      },
      onStart(ctx) {
        const f = box.startFault;
        if (!f) return undefined;
        box.startFault = undefined;
        f.generation = ctx.generation;
        if (f.kind === 'throw-onStart') throw new FaultError(f.kind, path, f.index, 'onStart');
        harness.hangs.push({ path, generation: ctx.generation, where: 'onStart', fault: f.index });
        return NEVER;
      },
      onStop(ctx) {
        const f = box.stopFault;
        if (!f) return undefined;
        box.stopFault = undefined;
        harness.hangs.push({ path, generation: ctx.generation, where: 'onStop', fault: f.index });
        return NEVER;
      },
    });
  };

  const group = (parent: string, budget: number, depth: number): AnyStateMachine[] => {
    const children: AnyStateMachine[] = [];
    let left = budget;
    while (left > 0) {
      if (depth < 3 && left > 3 && random() < 0.3) {
        const share = Math.min(left, int(random, 3, Math.min(left, 12)));
        children.push(supervisor(parent, share, depth + 1));
        left -= share;
      } else {
        children.push(service(parent));
        left--;
      }
    }
    return children;
  };

  const supervisor = (parent: string, budget: number, depth: number): AnyStateMachine => {
    const id = `g${nextGroup++}`;
    const path = parent === '' ? id : `${parent}/${id}`;
    const strategy = pick<Strategy>(random, [
      ['one-for-one', 40],
      ['one-for-all', 30],
      ['rest-for-one', 30],
    ]);
    const maxRestarts = int(random, 1, 5);
    const restartWindow = int(random, 100, 600);
    const restart = random() < 0.8 ? 'permanent' : 'transient';
    const backoff =
      random() < 0.2 ? { backoff: { initial: 5, max: 50, factor: 2, jitter: 0.2 } } : {};
    nodes.set(path, {
      path,
      id,
      kind: 'supervisor',
      restart,
      parent,
      strategy,
      maxRestarts,
      restartWindow,
    });
    return createSupervisor({
      id,
      strategy,
      maxRestarts,
      restartWindow,
      restart,
      random: seeded(nextGroup),
      ...backoff,
      children: group(path, budget, depth),
    });
  };

  // The root tolerates everything, so one escalation does not end the experiment.
  nodes.set('', {
    path: '',
    id: 'root',
    kind: 'supervisor',
    restart: 'permanent',
    parent: '',
    strategy: 'one-for-one',
    maxRestarts: 1_000_000,
    restartWindow: 1_000,
  });
  const root = createSupervisor({
    id: 'root',
    strategy: 'one-for-one',
    maxRestarts: 1_000_000,
    restartWindow: 1_000,
    logger,
    children: group('', size, 0),
  });
  return { root, nodes, services, boxes } satisfies Built;
}

function runFault(
  f: Fault,
  ctx: ServiceContext,
  path: string,
  maxFailures: number,
  box: Box,
  harness: Harness,
): unknown {
  f.generation = ctx.generation;
  const error = () => new FaultError(f.kind, path, f.index, 'iterate');
  switch (f.kind) {
    case 'throw':
      throw error();
    case 'reject':
      return Promise.reject(error());
    case 'fail':
      ctx.fail(error());
      return undefined;
    case 'fail-hang':
      for (let i = 0; i <= maxFailures; i++) ctx.fail(error());
      harness.hangs.push({ path, generation: ctx.generation, where: 'iterate', fault: f.index });
      return NEVER;
    case 'end':
      ctx.stop();
      return undefined;
    case 'hang-iterate':
      harness.hangs.push({ path, generation: ctx.generation, where: 'iterate', fault: f.index });
      harness.command(path, 'restart');
      return NEVER;
    case 'hang-onStart':
    case 'throw-onStart':
      box.startFault = f;
      harness.command(path, 'restart');
      return undefined;
    case 'hang-onStop':
      box.stopFault = f;
      harness.command(path, 'restart');
      return undefined;
    default:
      return undefined;
  }
}

/** Sends one command over a real socket; resolves when answered (status 0: no answer). */
function post(url: string, path: string, command: CommandName): Promise<CommandOutcome> {
  const outcome: CommandOutcome = { path, command, status: 0 };
  return new Promise((resolve) => {
    const req = request(`${url}/services/${path}/${command}`, { method: 'POST', agent: false });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => {
        outcome.status = res.statusCode ?? 0;
        try {
          const code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
          if (code !== undefined) outcome.code = code;
        } catch {
          outcome.code = 'UNPARSEABLE';
        }
        resolve(outcome);
      });
      res.on('error', () => resolve(outcome));
    });
    req.on('error', () => resolve(outcome));
    req.end();
  });
}

/**
 * Builds the tree from `size.seed`, starts it on a simulated clock with the control API on
 * 127.0.0.1, injects `size.faults` faults, lets the tree settle, records everything the checks
 * need, and shuts the tree down.
 *
 * @example
 * ```ts
 * const run = await runFaultTree({ services: 100, faults: 500, seed: 1 });
 * const violations = checkFaultRun(run); // every category should be empty
 * ```
 */
export async function runFaultTree(size: FaultTreeSize): Promise<FaultRun> {
  const started = performance.now();
  const random = seeded(size.seed);
  const clock = new SimClock();
  const logger = countingLogger();
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);

  const hangs: Hang[] = [];
  const commands: CommandOutcome[] = [];
  const pending = new Set<Promise<CommandOutcome>>();
  /** When (in settle turns) each unanswered command was sent. */
  const sentAt = new Map<Promise<CommandOutcome>, number>();
  // A command just sent is waited for a few dozen real turns before time moves on, so most
  // commands land at the simulated instant they were sent (sockets are real, time is not).
  clock.hold = () => {
    for (const at of sentAt.values()) if (clock.turns - at < 60) return true;
    return false;
  };
  const reports: Recorded[] = [];
  const last = new Map<string, Recorded>();
  let control: ControlServer | undefined;
  const harness: Harness = {
    hangs,
    command(path, command) {
      if (!control) return;
      const p = post(control.url, path, command);
      pending.add(p);
      sentAt.set(p, clock.turns);
      p.then((o) => {
        pending.delete(p);
        sentAt.delete(p);
        o.at = clock.now();
        commands.push(o);
        clock.touch();
        // The START_FAILED answer comes after the report it caused: mark that report.
        if (o.code === 'START_FAILED') {
          const r = last.get(path);
          if (r?.type === 'child.failed') r.manualStartFailure = true;
        }
      });
    },
  };
  const built = buildTree(random, size.services, harness, logger);
  const actor = createActor(built.root, { clock });
  actor.on('*', (event) => {
    const r = event as unknown as SupervisorReport;
    const rec: Recorded = {
      type: r.type,
      path: r.path.join('/'),
      generation: r.generation,
      reason: r.reason,
      restarts: r.restarts,
      at: clock.now(),
    };
    reports.push(rec);
    last.set(rec.path, rec);
    clock.touch();
  });
  actor.start();
  await clock.advance(0);
  control = await createControlServer(actor, { logger });

  // The plan: decided by the seed alone, before anything runs.
  const faults: Fault[] = [];
  const weights = WEIGHTS.filter(([k]) => !size.without?.includes(k));
  const everything = [...built.nodes.keys()].filter((p) => p !== '');
  for (let i = 0; i < size.faults; i++) {
    const kind = pick(random, weights);
    if (kind === 'command') {
      const target = everything[int(random, 0, everything.length - 1)]!;
      faults.push({ index: i, kind, target, command: pick(random, COMMANDS) });
    } else {
      faults.push({
        index: i,
        kind,
        target: built.services[int(random, 0, built.services.length - 1)]!,
      });
    }
  }
  const every = size.faultEvery ?? 2;
  for (const f of faults) {
    if (f.kind === 'command') harness.command(f.target, f.command!);
    else built.boxes.get(f.target)!.queue.push(f);
    await clock.advance(every);
  }
  await clock.advance(size.settleMs ?? 5_000);
  const tree = getTree(actor);
  // The checks read the reports up to this tree; the shutdown's come after.
  const reportsAtTree = reports.slice();
  const status = (actor.getSnapshot() as { status: string }).status;
  const simulatedMs = clock.now();

  // Shut down on simulated time; hung commands get no answer once the server closes.
  const stopping = shutdown(actor).then(
    () => true,
    () => true,
  );
  let stopped = false;
  void stopping.then(() => {
    stopped = true;
  });
  for (let i = 0; i < 1_000 && !stopped; i++) await clock.advance(100);
  clock.hold = undefined;
  await control.close();
  await Promise.all(pending);
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  return {
    seed: size.seed,
    nodes: built.nodes,
    faults,
    hangs,
    reports: reportsAtTree,
    commands,
    logger,
    uncaught,
    tree,
    status,
    simulatedMs,
    wallMs: performance.now() - started,
  };
}

/** The seed of this run: `RELIABILITY_SEED` when set, else a fixed default. */
export function seedFromEnv(fallback: number): number {
  const raw = process.env.RELIABILITY_SEED;
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(n) ? n : fallback;
}
