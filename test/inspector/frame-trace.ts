/**
 * Frame times from Chromium's own trace (the DevTools protocol's Tracing domain): the
 * intervals between consecutive `DrawFrame` events of the page's compositor while tracing ran.
 * Gotcha: an interval also spans any idle time with nothing to draw, so it is an upper bound
 * on the frame time, not the frame time itself.
 */
import type { Page } from 'playwright-core';

interface TraceEvent {
  name: string;
  ts: number;
  ph: string;
}

/** Starts tracing `page`; the function returned stops it and gives the frame intervals (ms). */
export async function traceFrames(page: Page): Promise<() => Promise<number[]>> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (data) => {
    events.push(...(data.value as unknown as TraceEvent[]));
  });
  await cdp.send('Tracing.start', {
    traceConfig: {
      includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline.frame'],
    },
    transferMode: 'ReportEvents',
  });
  return async () => {
    const done = new Promise<void>((resolve) =>
      cdp.once('Tracing.tracingComplete', () => resolve()),
    );
    await cdp.send('Tracing.end');
    await done;
    await cdp.detach();
    const draws = events
      .filter((e) => e.name === 'DrawFrame')
      .map((e) => e.ts)
      .sort((a, b) => a - b);
    const intervals: number[] = [];
    for (let i = 1; i < draws.length; i++) intervals.push((draws[i]! - draws[i - 1]!) / 1_000);
    return intervals;
  };
}

/** The `q` quantile (0..1) of `values`. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)] ?? Number.NaN;
}
