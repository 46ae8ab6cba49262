/**
 * What every benchmark here needs besides load: settings from the environment, CPU accounting from /proc
 * (server CPU, whole-machine CPU, to tell a disturbed run from a clean one), the measurement window that
 * combines them with a load, medians and number formatting.
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

/** A load as measureWindow drives it: running from its start, counted only from record() to stop(). */
export interface WindowedLoad<R extends { elapsedS: number }> {
  record(): void;
  stop(): Promise<R>;
}

export interface WindowOptions<R> {
  /** The server process whose CPU is measured. */
  pid: number;
  warmupS: number;
  durationS: number;
  /** The work done in the window (200 responses, logins): what perS and perCpuS count. */
  done: (result: R) => number;
  /** Read when the window opens and again before the load stops; `counted` is the difference. */
  counter?: () => number;
}

export interface MeasuredWindow<R> {
  result: R;
  perS: number;
  /** Server CPU (all its threads) ÷ wall time. */
  serverCores: number;
  /** Work per server-CPU-second: the figure that does not depend on how many cores were free. */
  perCpuS: number;
  /** This process's CPU, i.e. the load generator's, ÷ wall time. */
  loadGenCores: number;
  /** Busy CPU of everything else on the machine (other sessions, the kernel), in cores. */
  otherCores: number;
  counted: number;
}

/**
 * Lets `load` warm up, then measures one window of it: the server's, the load generator's and the whole
 * machine's CPU are all read at the same two instants, so that what is left over is other load on the machine.
 */
export async function measureWindow<R extends { elapsedS: number }>(
  load: WindowedLoad<R>,
  options: WindowOptions<R>,
): Promise<MeasuredWindow<R>> {
  await sleep(options.warmupS * 1000);
  const counter0 = options.counter?.() ?? 0;
  const server0 = processCpuS(options.pid);
  const self0 = process.cpuUsage();
  const machine0 = machineBusyS();
  load.record();
  await sleep(options.durationS * 1000);
  const serverS = processCpuS(options.pid) - server0;
  const self = process.cpuUsage(self0);
  const machineS = machineBusyS() - machine0;
  const counted = (options.counter?.() ?? 0) - counter0;
  const result = await load.stop();
  const loadGenS = (self.user + self.system) / 1e6;
  const done = options.done(result);
  return {
    result,
    perS: done / result.elapsedS,
    serverCores: serverS / result.elapsedS,
    perCpuS: done / serverS,
    loadGenCores: loadGenS / result.elapsedS,
    otherCores: (machineS - serverS - loadGenS) / result.elapsedS,
    counted,
  };
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
