/**
 * The process's own figures, as Erlang Observer's system tab shows them: event-loop lag (from
 * `perf_hooks.monitorEventLoopDelay`), heap and RSS, CPU, active handles. The inspector takes
 * one sample a second while a page is open (and none otherwise); `/metrics` reads the same
 * figures at each scrape.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** The event-loop delay monitor's resolution, in ms. */
export const LAG_RESOLUTION = 10;

/**
 * One sample of the process's figures.
 *
 * @example
 * ```ts
 * const line = (s: SystemSample) => `lag p99 ${s.lagP99} ms, heap ${s.heapUsed >> 20} MiB`;
 * ```
 */
export interface SystemSample {
  /** `Date.now()` when it was taken. */
  at: number;
  /** Event-loop delay since the previous sample, median, in ms. */
  lagP50: number;
  /** Its 99th percentile, in ms. */
  lagP99: number;
  /** Its largest, in ms. */
  lagMax: number;
  /** V8's heap in use, in bytes. */
  heapUsed: number;
  /** The process's resident set size, in bytes. */
  rss: number;
  /** CPU time (user and system) since the previous sample, in % of one core. */
  cpu: number;
  /** Active handles and requests (`process.getActiveResourcesInfo()`; timers included). */
  handles: number;
  /** `child.restarted` reports in the last minute. */
  restartsPerMinute: number;
}

const ms = (ns: number): number => Math.round(ns / 10_000) / 100;

/**
 * An event-loop delay monitor and a CPU clock: each {@link read} gives the figures since the
 * previous one and starts a new interval.
 *
 * @example
 * ```ts
 * const probe = new ProcessProbe();
 * probe.start();
 * setTimeout(() => { console.log(probe.read()); probe.stop(); }, 1_000);
 * ```
 */
export class ProcessProbe {
  private histogram: IntervalHistogram | undefined;
  /**
   * Never reset: Node's monitor skips its first interval after a reset, so a stall that begins
   * right after a read would be lost from `histogram`; a new all-time max here is that stall.
   */
  private total: IntervalHistogram | undefined;
  private totalMax = 0;
  private cpuAt = 0;
  private cpuUsage: NodeJS.CpuUsage | undefined;

  /** Starts the monitor (idempotent). */
  start(): void {
    if (this.histogram) return;
    this.histogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION });
    this.histogram.enable();
    this.total = monitorEventLoopDelay({ resolution: LAG_RESOLUTION });
    this.total.enable();
    this.totalMax = 0;
    this.cpuUsage = process.cpuUsage();
    this.cpuAt = performance.now();
  }

  /** Stops it (idempotent). */
  stop(): void {
    this.histogram?.disable();
    this.histogram = undefined;
    this.total?.disable();
    this.total = undefined;
  }

  /** The figures since the previous read (the lag since start for the first). */
  read(): Omit<SystemSample, 'at' | 'restartsPerMinute'> {
    const h = this.histogram;
    const lag = h && h.count > 0;
    const totalMax = this.total && this.total.count > 0 ? this.total.max : 0;
    const stall = totalMax > this.totalMax ? totalMax : 0;
    this.totalMax = Math.max(this.totalMax, totalMax);
    const out = {
      lagP50: lag ? ms(h.percentile(50)) : 0,
      lagP99: lag ? ms(h.percentile(99)) : 0,
      lagMax: lag || stall ? ms(Math.max(lag ? h.max : 0, stall)) : 0,
      ...memory(),
      cpu: 0,
      handles: process.getActiveResourcesInfo().length,
    };
    h?.reset();
    const now = performance.now();
    if (this.cpuUsage) {
      const used = process.cpuUsage(this.cpuUsage);
      const elapsed = (now - this.cpuAt) * 1_000;
      out.cpu = elapsed > 0 ? Math.round(((used.user + used.system) / elapsed) * 1_000) / 10 : 0;
    }
    this.cpuUsage = process.cpuUsage();
    this.cpuAt = now;
    return out;
  }
}

function memory(): { heapUsed: number; rss: number } {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss };
}

/** Samples kept: five minutes at one a second. */
export const SYSTEM_SAMPLES = 300;
/** One sample per this many ms. */
export const SYSTEM_INTERVAL = 1_000;

/**
 * The inspector's samples: taken at most once per {@link SYSTEM_INTERVAL} while started, the
 * last {@link SYSTEM_SAMPLES} kept, the new ones handed out once.
 */
export class SystemHistory {
  private readonly probe = new ProcessProbe();
  private readonly samples: SystemSample[] = [];
  private pending: SystemSample[] = [];
  private lastAt = 0;
  private restarts: Array<{ at: number; n: number }> = [];
  private restartsNow = 0;
  private running = false;

  /** Starts sampling (a page connected). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.probe.start();
    this.lastAt = Date.now();
  }

  /** Stops sampling and forgets the samples (no page). */
  stop(): void {
    this.running = false;
    this.probe.stop();
    this.samples.length = 0;
    this.pending = [];
    this.restarts = [];
    this.restartsNow = 0;
  }

  /** Counts a restart (while started). */
  restarted(): void {
    if (this.running) this.restartsNow++;
  }

  /** Takes a sample if one is due; true when it did. */
  tick(now = Date.now()): boolean {
    if (!this.running || now - this.lastAt < SYSTEM_INTERVAL) return false;
    this.lastAt = now;
    this.restarts.push({ at: now, n: this.restartsNow });
    this.restartsNow = 0;
    while (this.restarts.length && this.restarts[0]!.at <= now - 60_000) this.restarts.shift();
    let perMinute = 0;
    for (const r of this.restarts) perMinute += r.n;
    const sample: SystemSample = { at: now, ...this.probe.read(), restartsPerMinute: perMinute };
    this.samples.push(sample);
    if (this.samples.length > SYSTEM_SAMPLES) this.samples.shift();
    this.pending.push(sample);
    return true;
  }

  /** Every kept sample, oldest first. */
  all(): SystemSample[] {
    return [...this.samples];
  }

  /** The samples taken since the last call, oldest first. */
  take(): SystemSample[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}
