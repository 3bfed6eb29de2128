/**
 * The OpenTelemetry side of telemetry: spans for iterations, queue jobs and restart
 * decisions, and the tree's counters as observable metrics. Loaded only by `instrumentTree`,
 * through a dynamic import, so nothing of `@opentelemetry/api` is loaded unless asked for.
 */
import {
  type Attributes,
  context,
  type Meter,
  metrics,
  type ObservableGauge,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { serviceRuntimeOf } from '../actors/runtime-of.ts';
import { getTree } from '../actors/tree.ts';
import { walkChildren } from '../control/resolve.ts';
import type { SupervisorReport } from '../core/reports.ts';
import type { TreeNode } from '../core/tree-node.ts';
import type { TelemetryHooks, TracedContext } from '../internal/telemetry-hooks.ts';
import type { AnyActorRef } from '../internal/xstate.ts';

/** The instrumentation scope: the package's name. */
export const SCOPE = 'xstate-supervisor';

/** Attribute names, in OpenTelemetry's dotted style under the package's namespace. */
export const ATTR = {
  path: 'xstate_supervisor.path',
  service: 'xstate_supervisor.service',
  generation: 'xstate_supervisor.generation',
  iteration: 'xstate_supervisor.iteration',
  reason: 'xstate_supervisor.reason',
  restarts: 'xstate_supervisor.restarts',
  decision: 'xstate_supervisor.decision',
} as const;

/** The providers to take the tracer and meter from; the global ones when not given. */
export interface Providers {
  readonly tracerProvider?: { getTracer(name: string, version?: string): unknown } | undefined;
  readonly meterProvider?: { getMeter(name: string, version?: string): unknown } | undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function isAbort(e: unknown): boolean {
  return e instanceof Error
    ? e.name === 'AbortError'
    : (e as { name?: unknown })?.name === 'AbortError';
}

function failSpan(span: Span, e: unknown): void {
  if (isAbort(e)) {
    span.addEvent('aborted');
    return;
  }
  const error = e instanceof Error ? e : new Error(String(e));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/**
 * Paths of the service runtimes (and queue workers' per-actor state) of instrumented trees,
 * learnt by walking them; a runtime not (yet) known is named by its id.
 */
const paths = new WeakMap<object, string>();
/** The instrumented roots, walked when a runtime not yet known runs (its first iteration). */
const roots = new Set<AnyActorRef>();
/** Runtimes looked for once in vain (a lone root service): named by their id from then on. */
const unknown = new WeakSet<object>();

function pathOf(owner: object, id: string): string {
  const known = paths.get(owner);
  if (known !== undefined) return known;
  if (!unknown.has(owner)) {
    unknown.add(owner);
    for (const root of roots) learnPaths(root);
    const found = paths.get(owner);
    if (found !== undefined) return found;
  }
  return id;
}

function learnPaths(root: AnyActorRef): void {
  walkChildren(root, (record, path) => {
    const rt = serviceRuntimeOf(record.actor);
    if (!rt) return;
    const joined = path.join('/');
    paths.set(rt, joined);
    if (typeof rt.local === 'object' && rt.local !== null) paths.set(rt.local, joined);
  });
}

/** Runs `call` inside `span` (as the active span), ending the span when it settles. */
function within(span: Span, call: () => unknown): unknown {
  let result: unknown;
  try {
    result = context.with(trace.setSpan(context.active(), span), call);
  } catch (e) {
    failSpan(span, e);
    span.end();
    throw e;
  }
  if (!isThenable(result)) {
    span.end();
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      span.end();
      return value;
    },
    (e: unknown) => {
      failSpan(span, e);
      span.end();
      throw e;
    },
  );
}

function attributesOf(owner: object, ctx: TracedContext): Attributes {
  const attributes: Attributes = {
    [ATTR.path]: pathOf(owner, ctx.id),
    [ATTR.service]: ctx.id,
    [ATTR.generation]: ctx.generation,
  };
  if (ctx.iteration !== undefined) attributes[ATTR.iteration] = ctx.iteration;
  return attributes;
}

/** The hooks the loop and the queue worker run their user code through. */
export function createHooks(tracer: Tracer): TelemetryHooks {
  return {
    iteration(owner, ctx, iterate) {
      const span = tracer.startSpan(`iteration ${ctx.id}`, {
        attributes: attributesOf(owner, ctx),
      });
      return within(span, () => iterate(ctx));
    },
    job(owner, ctx, handle, task) {
      const span = tracer.startSpan(`job ${ctx.id}`, { attributes: attributesOf(owner, ctx) });
      return within(span, () => handle(task, ctx));
    },
  };
}

/** The tracer and meter of `providers`, or of the global API. */
export function tracerAndMeter(providers: Providers): [Tracer, Meter] {
  const tracer = (providers.tracerProvider?.getTracer(SCOPE) ?? trace.getTracer(SCOPE)) as Tracer;
  const meter = (providers.meterProvider?.getMeter(SCOPE) ?? metrics.getMeter(SCOPE)) as Meter;
  return [tracer, meter];
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * Instruments one tree: a span per restart decision (from its reports), its counters as
 * observable metrics, and the paths of its services for the iteration and job spans.
 * Returns what undoes it.
 */
export function observeTree(actor: AnyActorRef, tracer: Tracer, meter: Meter): () => void {
  roots.add(actor);
  learnPaths(actor);
  /** When each child's failure was reported: a restart's span starts there. */
  const failedAt = new Map<string, number>();
  const reports = meter.createCounter('xstate_supervisor.reports', {
    description: 'Supervisor decisions, by report type and path of the child.',
  });
  const onReport = (report: SupervisorReport) => {
    const path = report.path.join('/') || '/';
    reports.add(1, { [ATTR.path]: path, type: report.type });
    if (report.type === 'child.started' || report.type === 'child.restarted') learnPaths(actor);
    if (report.type === 'child.failed') {
      failedAt.set(path, Date.now());
      return;
    }
    if (report.type !== 'child.restarted' && report.type !== 'supervisor.intensity-exceeded') {
      if (report.type === 'child.stopped') failedAt.delete(path);
      return;
    }
    const restart = report.type === 'child.restarted';
    const attributes: Attributes = {
      [ATTR.path]: path,
      [ATTR.generation]: report.generation,
      [ATTR.decision]: restart ? 'restart' : 'give-up',
    };
    if (report.reason !== undefined) attributes[ATTR.reason] = reasonText(report.reason);
    if (report.restarts !== undefined) attributes[ATTR.restarts] = report.restarts;
    const startTime = failedAt.get(path);
    failedAt.delete(path);
    const span = tracer.startSpan(`${restart ? 'restart' : 'give up'} ${path}`, {
      attributes,
      ...(startTime === undefined ? {} : { startTime }),
    });
    if (!restart)
      span.setStatus({ code: SpanStatusCode.ERROR, message: reasonText(report.reason) });
    span.end();
  };
  const subscription = actor.on('*', onReport as (event: unknown) => void);

  const gauges: Array<[ObservableGauge, (node: TreeNode) => number | undefined]> = [
    [
      meter.createObservableGauge('xstate_supervisor.iterations', {
        description: 'Iterations of the current generation (services).',
      }),
      (n) => n.iterations,
    ],
    [
      meter.createObservableGauge('xstate_supervisor.failures', {
        description: 'Failures in the current generation.',
      }),
      (n) => n.failures,
    ],
    [
      meter.createObservableGauge('xstate_supervisor.generation', {
        description: 'Generation: 0 for the first run, +1 on every restart.',
      }),
      (n) => n.generation,
    ],
    [
      meter.createObservableGauge('xstate_supervisor.restarts', {
        description: 'Restarts counted in the restart window (supervisors).',
      }),
      (n) => (n.kind === 'supervisor' ? n.restarts : undefined),
    ],
    [
      meter.createObservableGauge('xstate_supervisor.running', {
        description: '1 when the node is running, else 0.',
      }),
      (n) => (n.state === 'running' ? 1 : 0),
    ],
  ];
  // One walk of the tree per collection, shared by every gauge.
  const collect = (result: {
    observe(gauge: ObservableGauge, value: number, attributes: Attributes): void;
  }) => {
    const walk = (node: TreeNode, path: readonly string[]) => {
      const attributes = { [ATTR.path]: path.length === 0 ? '/' : path.join('/'), kind: node.kind };
      for (const [gauge, read] of gauges) {
        const value = read(node);
        if (value !== undefined) result.observe(gauge, value, attributes);
      }
      for (const child of node.children ?? []) walk(child, [...path, child.id]);
    };
    walk(getTree(actor), []);
  };
  const observables = gauges.map(([gauge]) => gauge);
  meter.addBatchObservableCallback(collect, observables);
  return () => {
    roots.delete(actor);
    subscription.unsubscribe();
    meter.removeBatchObservableCallback(collect, observables);
  };
}
