/**
 * What every benchmark here reports the same way: the machine line it starts with, its tables, and the results
 * file with the machine's state at the start and end, so that runs of different benchmarks read alike.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { idleCheck, list } from './measure.ts';

export interface BenchStart {
  /** The benchmark's name: the start of its first line and of its results file's name. */
  name: string;
  startedAt: Date;
  loadavgStart: number[];
  busyCoresBeforeStart: number;
}

/**
 * Measures how busy the machine is for a second and prints it with the node version and CPUs, warning when the
 * machine is too busy for the figures to mean much.
 */
export async function startBench(name: string): Promise<BenchStart> {
  const startedAt = new Date();
  const loadavgStart = loadavg();
  const busyCoresBeforeStart = await idleCheck();
  console.log(
    `${name} bench: node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), ` +
      `load average ${list(loadavgStart)}, busy before start ${busyCoresBeforeStart.toFixed(2)} cores`,
  );
  if (busyCoresBeforeStart > 0.3) console.log('WARNING: the machine is busy; figures will be low and noisy');
  return { name, startedAt, loadavgStart, busyCoresBeforeStart };
}

/** Prints rows as a table: the first row is the header, the first column left-aligned, the others right. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [n, row] of rows.entries()) {
    console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/**
 * Writes `bench/results/<name>-<start time>.json`: the start time, the machine, then `report` as given; prints
 * its path. `loadavgEnd` is the caller's, taken when the measurements ended (before the printing).
 */
export function writeResults(start: BenchStart, loadavgEnd: number[], report: Record<string, unknown>): void {
  const resultsDir = join(import.meta.dirname, '..', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${start.name}-${start.startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const full = {
    startedAt: start.startedAt,
    machine: {
      node: process.version,
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model,
      loadavgStart: start.loadavgStart,
      loadavgEnd,
      busyCoresBeforeStart: start.busyCoresBeforeStart,
    },
    ...report,
  };
  writeFileSync(file, `${JSON.stringify(full, null, 2)}\n`);
  console.log(`results: ${file}`);
}
