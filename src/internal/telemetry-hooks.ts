/**
 * The slot the hot paths (a loop iteration, a queue job) read to report to telemetry. Empty
 * unless telemetry was turned on, so with telemetry off an iteration pays one property read.
 * This file imports nothing: the OpenTelemetry code lives in `./otel.ts`, loaded on demand.
 */

/**
 * What an instrumented iteration or job is run through. Not exported from the package (kept in
 * the declarations, which other internal declarations name).
 */
export interface TelemetryHooks {
  /**
   * Runs `iterate(ctx)` inside a span and returns what it returned (a promise settles the
   * span when it settles). `owner` is the service's runtime, the key of its path.
   */
  iteration<C>(owner: object, ctx: C & TracedContext, iterate: (ctx: C) => unknown): unknown;
  /** Runs `handle(task, ctx)` inside a span; `owner` is the worker's per-actor state. */
  job<T, C>(
    owner: object,
    ctx: C & TracedContext,
    handle: (task: T, ctx: C) => unknown,
    task: T,
  ): unknown;
}

/** What a span reads of an iteration's or a job's context. @internal */
export interface TracedContext {
  readonly id: string;
  readonly generation: number;
  readonly iteration?: number;
}

/**
 * The hooks in force: `current` is undefined while no tree is instrumented.
 * @internal
 */
export const telemetryHooks: { current: TelemetryHooks | undefined } = { current: undefined };
