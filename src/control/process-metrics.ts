/**
 * The system panel's figures on `/metrics`: event-loop lag (p50, p99, max since the previous
 * scrape), heap and RSS, CPU since the previous scrape, active handles. Restarts per minute
 * are `rate(xstate_supervisor_reports_total{type="child.restarted"}[1m]) * 60`.
 */
import { Gauge, type Registry } from 'prom-client';
import { ProcessProbe, type SystemSample } from './system-stats.ts';

type Figures = Omit<SystemSample, 'at' | 'restartsPerMinute'>;

/**
 * Registers the process gauges in `registry` and starts the event-loop delay monitor; the
 * function returned stops it.
 *
 * @example
 * ```ts
 * const stop = registerProcessGauges(registry);
 * // ... scrapes ...
 * stop();
 * ```
 */
export function registerProcessGauges(registry: Registry): () => void {
  const probe = new ProcessProbe();
  probe.start();
  let figures: Figures = probe.read();
  // Gauges are collected in the order they were registered: the first reads once per scrape.
  new Gauge({
    name: 'xstate_supervisor_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape (monitorEventLoopDelay), by quantile.',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      figures = probe.read();
      this.set({ quantile: '0.5' }, figures.lagP50 / 1_000);
      this.set({ quantile: '0.99' }, figures.lagP99 / 1_000);
      this.set({ quantile: '1' }, figures.lagMax / 1_000);
    },
  });
  const gauge = (name: string, help: string, read: (f: Figures) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(figures));
      },
    });
  gauge('xstate_supervisor_heap_used_bytes', "V8's heap in use.", (f) => f.heapUsed);
  gauge('xstate_supervisor_rss_bytes', 'Resident set size of the process.', (f) => f.rss);
  gauge(
    'xstate_supervisor_cpu_percent',
    'CPU time (user and system) since the previous scrape, in % of one core.',
    (f) => f.cpu,
  );
  gauge(
    'xstate_supervisor_active_handles',
    'Active handles and requests of the process (timers included).',
    (f) => f.handles,
  );
  return () => probe.stop();
}
