/**
 * OpenTelemetry (issue 15): spans per iteration, per queue job and per restart decision, and
 * the tree's counters as metrics, read back through the SDK's in-memory exporters.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import {
  createQueueWorker,
  createService,
  createSupervisor,
  getTree,
  instrumentTree,
  type RunHandle,
  run,
  silentLogger,
} from '../../src/index.ts';
import { telemetryHooks } from '../../src/internal/telemetry-hooks.ts';

const POLL = { timeout: 5_000, interval: 5 } as const;

function providers() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: the test collects with forceFlush, never on a timer.
  const reader = new PeriodicExportingMetricReader({
    exporter: metrics,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { spans, tracerProvider, metrics, reader, meterProvider };
}

const telemetryOf = (p: ReturnType<typeof providers>) => ({
  tracerProvider: p.tracerProvider,
  meterProvider: p.meterProvider,
});

const named = (spans: InMemorySpanExporter, prefix: string): ReadableSpan[] =>
  spans.getFinishedSpans().filter((s) => s.name.startsWith(prefix));

let handle: RunHandle | undefined;
afterEach(async () => {
  await handle?.stop();
  handle = undefined;
});

describe('run(root, { telemetry })', () => {
  it('traces every iteration with the service path, generation and iteration; a failing one is an error', async () => {
    const p = providers();
    let calls = 0;
    const poller = createService({
      id: 'poller',
      pause: 1,
      maxFailures: 5,
      iterate() {
        calls++;
        if (calls === 2) throw new Error('upstream down');
      },
    });
    const root = createSupervisor({
      id: 'root',
      children: [createSupervisor({ id: 'workers', children: [poller] })],
    });
    handle = run(root, { exit: false, logger: silentLogger, telemetry: telemetryOf(p) });
    await handle.ready;
    await vi.waitFor(
      () => expect(named(p.spans, 'iteration poller').length).toBeGreaterThan(2),
      POLL,
    );
    const [first, second] = named(p.spans, 'iteration poller');
    expect(first?.attributes).toEqual({
      'xstate_supervisor.path': 'workers/poller',
      'xstate_supervisor.service': 'poller',
      'xstate_supervisor.generation': 0,
      'xstate_supervisor.iteration': 0,
    });
    expect(first?.status.code).toBe(SpanStatusCode.UNSET);
    expect(second?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'upstream down' });
    expect(second?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('traces every queue job, ending the span when the async handler settles', async () => {
    const p = providers();
    const done: number[] = [];
    const jobs = createQueueWorker<number>({
      id: 'jobs',
      concurrency: 2,
      async handle(n) {
        await new Promise((resolve) => setImmediate(resolve));
        done.push(n);
      },
    });
    handle = run(createSupervisor({ id: 'root', children: [jobs] }), {
      exit: false,
      logger: silentLogger,
      telemetry: telemetryOf(p),
    });
    await handle.ready;
    for (const n of [1, 2, 3]) jobs.put(n);
    await vi.waitFor(() => expect(named(p.spans, 'job jobs')).toHaveLength(3), POLL);
    expect(done).toHaveLength(3);
    for (const span of named(p.spans, 'job jobs')) {
      expect(span.attributes).toMatchObject({
        'xstate_supervisor.path': 'jobs',
        'xstate_supervisor.generation': 0,
      });
      expect(span.ended).toBe(true);
    }
  });

  it('traces each restart decision from the failure to the new start, and the giving up', async () => {
    const p = providers();
    const fragile = createService({
      id: 'fragile',
      pause: 1,
      maxFailures: 0,
      iterate() {
        throw new Error('broken');
      },
    });
    const root = createSupervisor({ id: 'root', maxRestarts: 2, children: [fragile] });
    handle = run(root, { exit: false, logger: silentLogger, telemetry: telemetryOf(p) });
    const result = await handle.done;
    expect(result.exitCode).toBe(1);
    const restarts = named(p.spans, 'restart fragile');
    expect(restarts).toHaveLength(2);
    expect(restarts.map((s) => s.attributes['xstate_supervisor.generation'])).toEqual([1, 2]);
    expect(restarts[0]?.attributes).toMatchObject({
      'xstate_supervisor.path': 'fragile',
      'xstate_supervisor.decision': 'restart',
      'xstate_supervisor.reason': 'broken',
    });
    const [giveUp] = named(p.spans, 'give up');
    expect(giveUp?.attributes).toMatchObject({ 'xstate_supervisor.decision': 'give-up' });
    expect(giveUp?.status.code).toBe(SpanStatusCode.ERROR);
    handle = undefined;
  });

  it("exports the tree's counters as metrics, one series per path", async () => {
    const p = providers();
    const root = createSupervisor({
      id: 'root',
      children: [createService({ id: 'tick', pause: 1, iterate() {} })],
    });
    handle = run(root, { exit: false, logger: silentLogger, telemetry: telemetryOf(p) });
    await handle.ready;
    await p.reader.forceFlush();
    const metrics = p.metrics.getMetrics().at(-1)?.scopeMetrics[0]?.metrics ?? [];
    const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining([
        'xstate_supervisor.iterations',
        'xstate_supervisor.failures',
        'xstate_supervisor.generation',
        'xstate_supervisor.restarts',
        'xstate_supervisor.running',
        'xstate_supervisor.reports',
      ]),
    );
    const running = byName.get('xstate_supervisor.running')?.dataPoints ?? [];
    expect(running.map((d) => [d.attributes['xstate_supervisor.path'], d.value])).toEqual(
      expect.arrayContaining([
        ['/', 1],
        ['tick', 1],
      ]),
    );
    const started = byName
      .get('xstate_supervisor.reports')
      ?.dataPoints.find((d) => d.attributes.type === 'child.started');
    expect(started?.value).toBe(1);
  });

  it('turns the hot-path hooks off when the last instrumented run ends', async () => {
    const p = providers();
    handle = run(createService({ id: 'lone', pause: 1, iterate() {} }), {
      exit: false,
      logger: silentLogger,
      telemetry: telemetryOf(p),
    });
    await handle.ready;
    expect(telemetryHooks.current).toBeDefined();
    await handle.stop();
    handle = undefined;
    expect(telemetryHooks.current).toBeUndefined();
  });
});

describe('instrumentTree', () => {
  it('instruments an actor made with createActor, and dispose() stops its spans', async () => {
    const p = providers();
    const actor = createActor(
      createSupervisor({
        id: 'root',
        logger: silentLogger,
        children: [createService({ id: 'a', pause: 1, iterate() {} })],
      }),
    );
    const telemetry = await instrumentTree(actor, telemetryOf(p));
    actor.start();
    await vi.waitFor(() => expect(named(p.spans, 'iteration a').length).toBeGreaterThan(0), POLL);
    telemetry?.dispose();
    expect(telemetryHooks.current).toBeUndefined();
    const count = named(p.spans, 'iteration a').length;
    const iterations = getTree(actor).children?.[0]?.iterations ?? 0;
    await vi.waitFor(
      () => expect(getTree(actor).children?.[0]?.iterations).toBeGreaterThan(iterations + 5),
      POLL,
    );
    // At most the iteration in flight at dispose() ends later; none after it is traced.
    expect(named(p.spans, 'iteration a').length).toBeLessThanOrEqual(count + 1);
    actor.stop();
  });
});
