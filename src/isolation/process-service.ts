/**
 * `createProcessService`: a service whose work is a child process (a Node module forked with
 * IPC, a command spawned, or a `node:cluster` worker), under the same lifecycle and
 * supervisors as an in-process service.
 */
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { ServiceContext } from '../core/service-options.ts';
import { defineKind, type KindParts } from '../kinds/define-kind.ts';
import type { ServiceMachine } from '../machines/service.ts';
import { ProcessExitError, ProcessStartError } from './process-errors.ts';
import { ProcessHandle } from './process-handle.ts';
import {
  PROCESS_KEYS,
  type ProcessServiceOptions,
  type ResolvedProcessOptions,
  resolveProcessOptions,
} from './process-options.ts';

/** Per-actor state: the child of the running generation, and what `getTree()` shows. */
class ProcessSlot {
  ctx: ServiceContext | undefined;
  handle: ProcessHandle | undefined;
  /** The latest child, running or exited, for `getTree()`. */
  shown: ProcessHandle | undefined;
  /** The generation `handle` was started for (a hard reset starts a new one). */
  generation: number | undefined;
  /** When the running generation was asked to stop (its signal aborted). */
  stopAt: number | undefined;
  private readonly opts: ResolvedProcessOptions;
  constructor(opts: ResolvedProcessOptions) {
    this.opts = opts;
  }
  details(): Record<string, unknown> {
    const key = this.opts.mode === 'spawn' ? 'command' : 'module';
    const out: Record<string, unknown> = { [key]: this.opts.target, pid: this.shown?.pid ?? null };
    const exit = this.shown?.exit;
    if (exit?.exitCode != null) out.exitCode = exit.exitCode;
    if (exit?.signal) out.signal = exit.signal;
    return out;
  }
}

function slotOf(ctx: ServiceContext): ProcessSlot {
  return (ctx as ServiceContext & { readonly local: ProcessSlot }).local;
}

/** The part of the grace period spent waiting after SIGTERM, before SIGKILL. */
function termBudget(grace: number): number {
  return Math.max(0, grace - Math.min(250, grace / 4));
}

/**
 * A service that runs a Node module (`module`, with `child_process.fork` and IPC) or an
 * executable (`command`, with `child_process.spawn`) in a child process. It is `running` once
 * the child has spawned; an exit with a non-zero code or by a signal is a failure
 * (`ProcessExitError`, with the code, the signal and the tail of stderr) and, with the default
 * `maxFailures: 0`, fails the service so its supervisor restarts it (a new child, generation
 * + 1); an exit with code 0 ends the service normally. A stop sends SIGTERM, waits most of
 * `gracePeriod`, then SIGKILL. The child's stdout lines are logged at `info`, stderr at `warn`,
 * prefixed with the service id. `cluster: true` runs the module as a `node:cluster` worker, so
 * workers of a hub can `listen()` on one port. `getTree()` details: `{ pid, module | command,
 * exitCode?, signal? }`.
 *
 * A hard reset stops the child (SIGTERM, then SIGKILL within `gracePeriod`) and starts a new
 * one for the new generation, without `onStop`/`onStart` (the service stays `running`).
 *
 * Gotchas: a child forked with `module` should call `exitOnParentDeath()` (from
 * `process-child`) so it exits if this process dies by SIGKILL. Options are validated at
 * creation (`ServiceConfigError`): `iterate`, the pacing options and any other unknown option
 * throw (`SERVICE_CONFIG_UNKNOWN_OPTION`); a missing module or command fails the start
 * (`ProcessStartError`).
 *
 * @example
 * ```ts
 * const worker = createProcessService({ id: 'worker', module: './worker.mjs', gracePeriod: 2_000 });
 * const root = createSupervisor({ id: 'root', strategy: 'one-for-one', children: [worker] });
 * createActor(root).start();
 * ```
 */
export function createProcessService(options: ProcessServiceOptions): ServiceMachine {
  // `iterate` and the pacing options are not in the table: the child is the work.
  return defineKind(options, {
    own: PROCESS_KEYS,
    settings: resolveProcessOptions,
    defaults: () => ({ maxFailures: 0 }),
    build: ({ settings, service, common }) => processParts(settings, service.gracePeriod, common),
  });
}

/** The process service's runtime: a child per generation, its exit the iteration's end. */
function processParts(
  proc: ResolvedProcessOptions,
  grace: number,
  common: Readonly<Record<string, unknown>>,
): KindParts {
  const target = proc.mode === 'spawn' ? proc.target : resolvePath(proc.cwd ?? '.', proc.target);

  async function spawnChild(ctx: ServiceContext, slot: ProcessSlot): Promise<ProcessHandle> {
    if (proc.mode !== 'spawn' && !existsSync(target)) {
      throw new ProcessStartError(ctx.id, proc.target, new Error(`no such module ${target}`));
    }
    let handle: ProcessHandle;
    try {
      handle = await ProcessHandle.start(proc, () => (slot.ctx ?? ctx).logger, `[${ctx.id}]`);
    } catch (error) {
      throw new ProcessStartError(ctx.id, proc.target, error);
    }
    slot.handle = handle;
    slot.shown = handle;
    slot.generation = ctx.generation;
    ctx.logger.info(
      { pid: handle.pid, [proc.mode === 'spawn' ? 'command' : 'module']: proc.target },
      'child process started',
    );
    return handle;
  }

  async function iterate(ctx: ServiceContext): Promise<void> {
    const slot = slotOf(ctx);
    slot.ctx = ctx;
    slot.stopAt = undefined;
    if (ctx.signal.aborted) return;
    if (slot.handle && slot.generation !== ctx.generation) {
      // A hard reset: the new generation gets a new child; the old one is stopped first.
      const old = slot.handle;
      slot.handle = undefined;
      await stopChild(ctx, old, performance.now());
      if (ctx.signal.aborted) return;
    }
    // A failure tolerated by maxFailures > 0: respawn in place.
    const handle = slot.handle ?? (await spawnChild(ctx, slot));
    const exit = await new Promise<Awaited<ProcessHandle['exited']> | undefined>((resolve) => {
      const onAbort = () => {
        slot.stopAt ??= performance.now();
        resolve(undefined);
      };
      if (ctx.signal.aborted) return onAbort();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      void handle.exited.then((e) => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(e);
      });
    });
    if (!exit) return;
    slot.handle = undefined;
    if (exit.exitCode === 0) {
      ctx.logger.info({ pid: handle.pid }, 'child process exited with code 0');
      ctx.stop();
      return;
    }
    throw new ProcessExitError({
      id: ctx.id,
      pid: handle.pid,
      exitCode: exit.exitCode,
      signal: exit.signal,
      stderrTail: handle.stderrTail,
    });
  }

  /** SIGTERM, then SIGKILL once most of `gracePeriod` from `start` is spent. */
  async function stopChild(ctx: ServiceContext, handle: ProcessHandle, start: number) {
    if (!handle.alive) return;
    const exit = await handle.stop(start + termBudget(grace), start + grace);
    if (!exit) ctx.logger.warn({ pid: handle.pid }, 'child process did not exit after SIGKILL');
  }

  return {
    iterate,
    open: async (ctx) => {
      const slot = slotOf(ctx);
      slot.ctx = ctx;
      slot.stopAt = undefined;
      await spawnChild(ctx, slot);
    },
    close: async (ctx) => {
      const slot = slotOf(ctx);
      const handle = slot.handle;
      slot.handle = undefined;
      // Measured from the abort (the start of the stop), as the core's gracePeriod is.
      if (handle) await stopChild(ctx, handle, slot.stopAt ?? performance.now());
    },
    local: {
      create: () => new ProcessSlot(proc),
      describe: (state) => (state as ProcessSlot).details(),
    },
    shown: {
      ...common,
      [proc.mode === 'spawn' ? 'command' : 'module']: proc.target,
      args: proc.args,
      cluster: proc.mode === 'cluster',
    },
  };
}
