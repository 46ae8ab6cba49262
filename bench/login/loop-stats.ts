/**
 * What delays a server's main thread, for the login-burst diagnosis (`burst-diagnose.ts`): event-loop delay
 * (`monitorEventLoopDelay`, 1 ms resolution: how late a timer fires, i.e. how long the longest synchronous
 * task in front of it ran), event-loop utilisation, and V8's GC pauses by kind. `report()` returns what was
 * seen since the previous report and starts over, so that each measured window gets its own figures.
 */
import {
  constants,
  monitorEventLoopDelay,
  type PerformanceEntry,
  PerformanceObserver,
  performance,
} from 'node:perf_hooks';

export interface LoopStats {
  /** Event-loop delay, ms. */
  delayMs: { p50: number; p99: number; max: number; mean: number };
  /** Share of wall time the event loop was busy (0–1). */
  utilization: number;
  /** GC pauses on the main thread, by kind: count, total and longest pause in ms. */
  gc: Record<string, { count: number; totalMs: number; maxMs: number }>;
  /** Pauses of at least 2 ms, longest first (at most 10), with their kind. */
  longGcMs: { kind: string; ms: number }[];
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export function watchMainThread(): { report(): LoopStats } {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let elu = performance.eventLoopUtilization();
  let gc: LoopStats['gc'] = {};
  let long: LoopStats['longGcMs'] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      const kind = GC_KINDS[entry.detail?.kind ?? -1] ?? 'other';
      const bucket = gc[kind] ?? { count: 0, totalMs: 0, maxMs: 0 };
      gc[kind] = bucket;
      bucket.count++;
      bucket.totalMs += entry.duration;
      bucket.maxMs = Math.max(bucket.maxMs, entry.duration);
      if (entry.duration >= 2) long.push({ kind, ms: entry.duration });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  return {
    report() {
      const stats: LoopStats = {
        delayMs: {
          p50: ms(delay.percentile(50)),
          p99: ms(delay.percentile(99)),
          max: ms(delay.max),
          mean: ms(delay.mean),
        },
        utilization: performance.eventLoopUtilization(elu).utilization,
        gc,
        longGcMs: long.sort((a, b) => b.ms - a.ms).slice(0, 10),
      };
      delay.reset();
      elu = performance.eventLoopUtilization();
      gc = {};
      long = [];
      return stats;
    },
  };
}
