/**
 * What every benchmark here needs besides load: settings from the environment, CPU accounting from /proc
 * (server CPU, whole-machine CPU, to tell a disturbed run from a clean one), medians and number formatting.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A positive number from the environment, or the default. */
export const env = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const CLK_TCK = 100; // USER_HZ of /proc/*/stat on Linux

/** CPU seconds (user + system) a process has used so far. */
export function processCpuS(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // #14 utime, #15 stime
}

/** CPU seconds the whole machine has been busy so far. */
export function machineBusyS(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

/** Busy cores over the next second: how loaded the machine is before a measurement. */
export async function idleCheck(): Promise<number> {
  const busy0 = machineBusyS();
  await sleep(1000);
  return machineBusyS() - busy0;
}

export const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '';

export const list = (values: number[], digits = 2) => values.map((v) => v.toFixed(digits)).join(' ');
