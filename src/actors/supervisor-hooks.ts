/**
 * A supervisor's own `onStart` / `onStop` (decision 0096): `onStart` before the first child
 * starts, with a veto; `onStop` after the last child stopped, once per completed `onStart`.
 * Every wait is bounded by `hookTimeout`, and nothing a hook started is left behind unlogged.
 */
import { toError } from '../core/errors.ts';
import { type Logger, markLogged } from '../core/logger.ts';
import { composedStarts } from '../core/service-hooks.ts';
import type {
  ResolvedSupervisorOptions,
  SupervisorHookContext,
} from '../core/supervisor-config.ts';
import { LongTimeout } from '../internal/waiter.ts';
import type { Clock } from '../internal/xstate.ts';
import { isAbortError, isThenable } from './loop-run.ts';

/** How a hook's promise ended within a bound: its value, its error, or not at all. */
type Outcome =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'error'; readonly error: Error }
  | { readonly kind: 'late' };

/** What an `onStart` that vetoed gives the core: why, and the error it threw if any. */
export interface StartVeto {
  readonly how: string;
  readonly cause?: Error | undefined;
}

/** Internal: the `onStart` / `onStop` of one supervisor and their pairing. */
export class SupervisorHooks {
  private readonly opts: ResolvedSupervisorOptions;
  private readonly logger: Logger;
  private readonly clock: Required<Clock>;
  /** The context of this start's hooks (with hooks only). */
  private ctx: SupervisorHookContext | undefined;
  /** Aborted by a stop during `onStart`, or when `onStart` overran `hookTimeout`. */
  private startAbort: AbortController | undefined;
  /** `onStart` completed and `onStop` has not run yet: the pairing of decision 0096. */
  private sessionOpen = false;

  constructor(opts: ResolvedSupervisorOptions, logger: Logger, clock: Required<Clock>) {
    this.opts = opts;
    this.logger = logger;
    this.clock = clock;
  }

  /** A stop came during `onStart`: its signal is aborted (a hook list gives up at once). */
  abortStart(): void {
    this.startAbort?.abort();
  }

  /**
   * Runs `onStart`. Resolves to `'open'`, `'stopped'` (a stop came meanwhile: `aborted()`),
   * or a veto. A veto is returned only once what `onStart` did has been undone: a list's
   * paired `onStop` hooks have run, or a lone `onStart` that completed late had its `onStop`.
   */
  async open(generation: number, aborted: () => boolean): Promise<'open' | 'stopped' | StartVeto> {
    const { onStart, onStop, id } = this.opts;
    if (!onStart && !onStop) return 'open';
    this.startAbort = new AbortController();
    const ctx: SupervisorHookContext = {
      id,
      generation,
      signal: this.startAbort.signal,
      logger: this.logger,
    };
    this.ctx = ctx;
    if (onStart) {
      const undo = new UndoSignals(this.clock, this.opts.hookTimeout);
      let out: Outcome & { timedOut?: boolean };
      try {
        const result = composedStarts.has(onStart)
          ? (onStart as (c: SupervisorHookContext, u: () => SupervisorHookContext) => unknown)(
              ctx,
              () => ({ ...ctx, signal: undo.next() }),
            )
          : onStart(ctx);
        out = isThenable(result)
          ? await this.settleStart(result)
          : { kind: 'value', value: result };
      } catch (e) {
        out = { kind: 'error', error: toError(e) };
      } finally {
        undo.end();
      }
      if (out.timedOut) return this.timedOut(out, aborted);
      if (out.kind === 'error') {
        const error = out.error;
        if (aborted()) {
          // Asked to stop meanwhile: it ends stopped, as a service's start does.
          if (!isAbortError(error)) {
            this.logger.warn({ err: error }, 'onStart threw after a stop was asked for; stopped');
          }
          return 'stopped';
        }
        this.logger.error({ err: error }, 'onStart threw; the supervisor did not start');
        markLogged(error);
        return { how: `threw (${error.message})`, cause: error };
      }
      if (out.kind === 'value' && out.value === false) {
        return aborted() ? 'stopped' : { how: 'returned false' };
      }
    }
    this.sessionOpen = true;
    return aborted() ? 'stopped' : 'open';
  }

  /**
   * `onStart` overran `hookTimeout`: its signal was aborted and it was waited for once more
   * (a list undoes its completed hooks then). A late completion is paired with `onStop` now.
   */
  private async timedOut(out: Outcome, aborted: () => boolean): Promise<'stopped' | StartVeto> {
    if (out.kind === 'value' && out.value !== false) {
      this.sessionOpen = true;
      await this.close();
    }
    let cause: Error | undefined;
    if (out.kind === 'error' && !isAbortError(out.error)) {
      cause = out.error;
      this.logger.error({ err: cause }, 'onStart overran hookTimeout, then threw');
      markLogged(cause);
    }
    if (aborted()) return 'stopped';
    return { how: `did not settle within hookTimeout (${this.opts.hookTimeout} ms)`, cause };
  }

  /**
   * `hook`'s outcome within `hookTimeout`; past it, the signal is aborted and it gets a second
   * `hookTimeout` to settle (to undo what it did). If it still has not, it is given up on and
   * its late outcome is logged.
   */
  private async settleStart(hook: PromiseLike<unknown>): Promise<Outcome & { timedOut?: boolean }> {
    const first = await this.within(hook);
    if (first.kind !== 'late') return first;
    this.startAbort?.abort();
    const second = await this.within(hook);
    if (second.kind === 'late') {
      this.logger.error(
        { hookTimeout: this.opts.hookTimeout },
        'onStart did not settle within hookTimeout after its signal was aborted; given up on',
      );
      hook.then(
        () => this.logger.warn({}, 'onStart completed after it was given up on; onStop is not run'),
        (e: unknown) => {
          const error = toError(e);
          if (isAbortError(error)) this.logger.debug({ reason: error.message }, 'onStart ended');
          else this.logger.warn({ err: error }, 'onStart threw after it was given up on');
        },
      );
    }
    return { ...second, timedOut: true };
  }

  /** Runs `onStop` once per completed `onStart`, with a signal of its own; never throws. */
  async close(): Promise<void> {
    this.startAbort?.abort();
    if (!this.sessionOpen) return;
    this.sessionOpen = false;
    const onStop = this.opts.onStop;
    if (!onStop || !this.ctx) return;
    const stopAbort = new AbortController();
    try {
      const result = onStop({ ...this.ctx, signal: stopAbort.signal });
      if (!isThenable(result)) return;
      const out = await this.within(result, () => stopAbort.abort());
      if (out.kind === 'late') {
        this.logger.error(
          { hookTimeout: this.opts.hookTimeout },
          'onStop did not settle within hookTimeout; the stop completes',
        );
      } else if (out.kind === 'error') {
        this.logger.error({ err: out.error }, 'onStop threw; the stop completes anyway');
      }
    } catch (e) {
      this.logger.error({ err: toError(e) }, 'onStop threw; the stop completes anyway');
    }
  }

  /** `hook`'s outcome, or `late` once `hookTimeout` has passed (then `onLate` is called). */
  private within(hook: PromiseLike<unknown>, onLate?: () => void): Promise<Outcome> {
    return new Promise((resolve) => {
      const timer = new LongTimeout(
        this.clock,
        () => {
          onLate?.();
          resolve({ kind: 'late' });
        },
        this.opts.hookTimeout,
      );
      hook.then(
        (value) => {
          timer.clear();
          resolve({ kind: 'value', value });
        },
        (error: unknown) => {
          timer.clear();
          resolve({ kind: 'error', error: toError(error) });
        },
      );
    });
  }
}

/**
 * The signals of the `onStop` hooks a list runs when its start ends early: each aborted after
 * `hookTimeout`, and all of them once the start is over.
 */
class UndoSignals {
  private readonly controllers: { abort: AbortController; timer: LongTimeout }[] = [];
  private readonly clock: Required<Clock>;
  private readonly ms: number;
  constructor(clock: Required<Clock>, ms: number) {
    this.clock = clock;
    this.ms = ms;
  }
  next(): AbortSignal {
    const abort = new AbortController();
    const timer = new LongTimeout(this.clock, () => abort.abort(), this.ms);
    this.controllers.push({ abort, timer });
    return abort.signal;
  }
  end(): void {
    for (const { abort, timer } of this.controllers) {
      timer.clear();
      abort.abort();
    }
  }
}
