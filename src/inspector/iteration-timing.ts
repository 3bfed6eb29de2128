/**
 * How long services' iterations take, sampled while a page is open: for {@link SAMPLE_WINDOW}
 * ms of every second the inspector puts its own hook in the telemetry slot the loops read
 * (chaining to the one already there, if any) and times the iterations that start then,
 * keeping the last {@link TIMING_SAMPLES} durations per service. The rest of the time, and
 * with no page at all, the slot is as it was, and an iteration pays nothing for the inspector
 * (timing every iteration cost a loop of empty iterations 9x its rate).
 */
import { type TelemetryHooks, telemetryHooks } from '../internal/telemetry-hooks.ts';

/** How long each sampling window lasts, in ms (one per second while a page is open). */
export const SAMPLE_WINDOW = 20;

/** Durations kept per service for its mean and p99. */
export const TIMING_SAMPLES = 256;

/** One service's recent iteration durations (ms), a ring. */
class Samples {
  readonly ring = new Float64Array(TIMING_SAMPLES);
  count = 0;
  /** `count` when the figures were last computed, and those figures. */
  seen = -1;
  mean = 0;
  p99 = 0;

  add(ms: number): void {
    this.ring[this.count++ % TIMING_SAMPLES] = ms;
  }

  /** The mean and p99 of the kept durations, rounded to 0.01 ms; computed once per change. */
  figures(): { mean: number; p99: number } | undefined {
    if (this.count === 0) return undefined;
    if (this.seen !== this.count) {
      const n = Math.min(this.count, TIMING_SAMPLES);
      const sorted = this.ring.slice(0, n).sort();
      let sum = 0;
      for (let i = 0; i < n; i++) sum += sorted[i]!;
      this.mean = Math.round((sum / n) * 100) / 100;
      this.p99 = Math.round(sorted[Math.min(n - 1, Math.ceil(n * 0.99) - 1)]! * 100) / 100;
      this.seen = this.count;
    }
    return { mean: this.mean, p99: this.p99 };
  }
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof (v as { then?: unknown } | null)?.then === 'function';

/**
 * Times every loop iteration while installed. `owner` is the service's runtime (what the
 * loop passes the hook), which is also what the inspector's model holds for the node.
 */
export class IterationTiming {
  private readonly byOwner = new WeakMap<object, Samples>();
  private hooks: TelemetryHooks | undefined;
  /** The hook that was in the slot when ours went in (put back when ours comes out). */
  private before: TelemetryHooks | undefined;
  private window: ReturnType<typeof setTimeout> | undefined;

  /** Puts the timing hook in the slot, in front of the hook already there (OpenTelemetry's). */
  install(): void {
    if (this.hooks) return;
    const before = telemetryHooks.current;
    const record = (owner: object, start: number) => {
      let samples = this.byOwner.get(owner);
      if (!samples) {
        samples = new Samples();
        this.byOwner.set(owner, samples);
      }
      samples.add(performance.now() - start);
    };
    const hooks: TelemetryHooks = {
      iteration(owner, ctx, iterate) {
        const start = performance.now();
        const result = before ? before.iteration(owner, ctx, iterate) : iterate(ctx);
        if (!isThenable(result)) {
          record(owner, start);
          return result;
        }
        return Promise.resolve(result).finally(() => record(owner, start));
      },
      job(owner, ctx, handle, task) {
        return before ? before.job(owner, ctx, handle, task) : handle(task, ctx);
      },
    };
    this.before = before;
    this.hooks = hooks;
    telemetryHooks.current = hooks;
  }

  /** Takes the hook out again (leaving the slot alone if someone replaced it since). */
  uninstall(): void {
    clearTimeout(this.window);
    const hooks = this.hooks;
    if (!hooks) return;
    this.hooks = undefined;
    if (telemetryHooks.current === hooks) {
      telemetryHooks.current = this.before;
    }
  }

  /** Installs the hook for {@link SAMPLE_WINDOW} ms (or `ms`), then takes it out. */
  sample(ms = SAMPLE_WINDOW): void {
    if (this.hooks) return;
    this.install();
    clearTimeout(this.window);
    this.window = setTimeout(() => this.uninstall(), ms);
    this.window.unref?.();
  }

  /** The mean and p99 (ms) of the owner's last iterations, undefined before the first. */
  figures(owner: object): { mean: number; p99: number } | undefined {
    return this.byOwner.get(owner)?.figures();
  }
}
