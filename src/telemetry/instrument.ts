/**
 * `instrumentTree()`: OpenTelemetry spans and metrics for a supervision tree, when
 * `@opentelemetry/api` is installed. Nothing of it is loaded until it is asked for.
 */
import { XstateSupervisorError } from '../core/errors.ts';
import { telemetryHooks } from '../internal/telemetry-hooks.ts';
import type { AnyActorRef } from '../internal/xstate.ts';

/**
 * Options of {@link instrumentTree} (and `run()`'s `telemetry`). The providers are typed by
 * the one method used, so your declarations never need `@opentelemetry/api`'s.
 *
 * @example
 * ```ts
 * import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
 * const options: TelemetryOptions = { tracerProvider: new BasicTracerProvider() };
 * ```
 */
export interface TelemetryOptions {
  /**
   * Where spans go: an OpenTelemetry `TracerProvider`.
   * @default the global tracer provider (`trace.getTracerProvider()`), which the
   * OpenTelemetry Node SDK registers
   */
  tracerProvider?: { getTracer(name: string, version?: string): unknown };
  /**
   * Where metrics go: an OpenTelemetry `MeterProvider`.
   * @default the global meter provider (`metrics.getMeterProvider()`)
   */
  meterProvider?: { getMeter(name: string, version?: string): unknown };
}

/**
 * A tree's instrumentation, as {@link instrumentTree} gives it.
 *
 * @example
 * ```ts
 * const telemetry = await instrumentTree(actor);
 * // ...
 * telemetry?.dispose();
 * ```
 */
export interface TreeInstrumentation {
  /** Stops the tree's metrics and restart spans; iteration and job spans end with the last tree. */
  dispose(): void;
}

type Otel = typeof import('./otel.ts');

/** The OpenTelemetry side, loaded once (a failed load is not retried). */
let loading: Promise<Otel | undefined> | undefined;
/** Trees instrumented now: the hot-path hooks are on while there is one. */
let instrumented = 0;

/** Whether `e` says `@opentelemetry/api` itself cannot be found. */
function isApiMissing(e: unknown): boolean {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes('@opentelemetry/api')
  );
}

/**
 * Loads the OpenTelemetry side once; undefined when `@opentelemetry/api` is not installed.
 * @internal
 */
export function loadOtel(): Promise<Otel | undefined> {
  loading ??= import('./otel.ts').then(
    (otel) => otel,
    (e: unknown) => {
      if (isApiMissing(e)) return undefined;
      throw e;
    },
  );
  return loading;
}

/**
 * Instruments a running (or starting) supervision tree with OpenTelemetry, when
 * `@opentelemetry/api` is installed (an optional peer dependency): a span per loop iteration
 * (`iteration <id>`) and per queue job (`job <id>`), with the service's path and generation
 * as attributes (`xstate_supervisor.path`, `xstate_supervisor.generation`); a span per
 * restart decision (`restart <path>`, from the failure to the restarted child's start, or
 * `give up <path>` when a supervisor exceeds its intensity); and the tree's counters as
 * observable gauges (`xstate_supervisor.iterations`, `.failures`, `.generation`,
 * `.restarts`, `.running`) plus a counter of reports (`xstate_supervisor.reports`).
 *
 * Resolves to undefined, loading nothing, when `@opentelemetry/api` is not installed.
 * `run(root, { telemetry: true })` calls it for you.
 *
 * Gotchas: without a registered SDK (or a provider in `options`) the API is a no-op, and so
 * are the spans. The iteration and job spans are the active span while your code runs; async
 * code keeps them as parent only with a context manager (the Node SDK registers one).
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { instrumentTree } from 'xstate-supervisor';
 * const actor = createActor(root);
 * const telemetry = await instrumentTree(actor); // undefined without @opentelemetry/api
 * actor.start();
 * ```
 */
export async function instrumentTree(
  actor: AnyActorRef,
  options: TelemetryOptions = {},
): Promise<TreeInstrumentation | undefined> {
  checkTelemetryOptions(options, 'instrumentTree');
  const otel = await loadOtel();
  if (!otel) return undefined;
  const [tracer, meter] = otel.tracerAndMeter(options);
  const stop = otel.observeTree(actor, tracer, meter);
  instrumented++;
  // The newest tree's tracer serves every iteration: one hook slot for the process, as
  // OpenTelemetry has one global provider.
  telemetryHooks.current = otel.createHooks(tracer);
  let disposed = false;
  return {
    dispose() {
      if (disposed) return;
      disposed = true;
      stop();
      instrumented--;
      if (instrumented === 0) telemetryHooks.current = undefined;
    },
  };
}

/**
 * Checks telemetry options (`caller` names who got them); throws an `XstateSupervisorError` (`TELEMETRY_OPTION_INVALID` or `_UNKNOWN`) naming the bad one.
 * @internal
 */
export function checkTelemetryOptions(options: unknown, caller: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new XstateSupervisorError(
      'TELEMETRY_OPTION_INVALID',
      `${caller}: expected the telemetry options to be an object such as { tracerProvider }, got ${String(options)}.`,
    );
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'tracerProvider' && key !== 'meterProvider') {
      throw new XstateSupervisorError(
        'TELEMETRY_OPTION_UNKNOWN',
        `${caller}: unknown telemetry option \`${key}\`; known options are tracerProvider, meterProvider.`,
      );
    }
  }
  const check = (name: string, method: string) => {
    const value = o[name] as Record<string, unknown> | undefined;
    if (value !== undefined && typeof value?.[method] !== 'function') {
      throw new XstateSupervisorError(
        'TELEMETRY_OPTION_INVALID',
        `${caller}: expected \`${name}\` to be an OpenTelemetry provider (an object with ${method}()), got ${String(value)}.`,
      );
    }
  };
  check('tracerProvider', 'getTracer');
  check('meterProvider', 'getMeter');
}
