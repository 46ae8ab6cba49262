/**
 * One measured window of a target made of several processes (bench/lib's measureWindow measures one): every CPU
 * reader is read at the same two instants, so that tenant processes, PostgreSQL, the load generator and
 * everything else on the machine add up to the machine's busy time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WindowedLoad } from '../lib/measure.ts';
import { machineBusyS, processCpuS, sum } from '../lib/measure.ts';
import { mainThreadCpuS } from './cpu.ts';

export interface TargetProcesses {
  /** The tenant processes' pids. */
  pids: number[];
  /** The PostgreSQL server's CPU seconds so far, for targets on Postgres. */
  postgresCpuS?: () => number;
}

export interface ScaleWindow {
  /** Work done in the window (200 responses, logins) per second. */
  perS: number;
  /** Work per CPU-second of the tenant processes and PostgreSQL together: the server side. */
  perCpuS: number;
  /** Work per CPU-second of the tenant processes alone. */
  perTenantCpuS: number;
  tenantCores: number;
  postgresCores: number;
  /** The busiest tenant process's main thread (its event loop), in cores: 1.0 is that process's ceiling. */
  mainThreadCores: number;
  loadGenCores: number;
  otherCores: number;
  /** Each tenant process on its own, in the order of `pids`: what it did and the CPU it got (all threads). */
  processes: ProcessWindow[];
}

export interface ProcessWindow {
  /** Work this process answered in the window, per second. */
  perS: number;
  /** Its CPU-seconds (every thread) ÷ wall seconds: for a process pinned to one core, the share of it it got. */
  cores: number;
}

export async function measureScaleWindow<R extends { elapsedS: number }>(
  load: WindowedLoad<R>,
  target: TargetProcesses,
  options: {
    warmupS: number;
    durationS: number;
    /** The work each tenant process did in the window (200 responses, logins), in the order of `pids`. */
    doneByProcess: (result: R) => number[];
  },
): Promise<{ result: R; window: ScaleWindow }> {
  const processesCpuS = () => target.pids.map(processCpuS);
  const mainThreads = () => target.pids.map(mainThreadCpuS);
  const postgresCpuS = target.postgresCpuS ?? (() => 0);
  await sleep(options.warmupS * 1000);
  const processes0 = processesCpuS();
  const main0 = mainThreads();
  const postgres0 = postgresCpuS();
  const self0 = process.cpuUsage();
  const machine0 = machineBusyS();
  load.record();
  await sleep(options.durationS * 1000);
  const processesS = processesCpuS().map((s, i) => s - (processes0[i] ?? 0));
  const tenantS = sum(processesS);
  const mainS = mainThreads().map((s, i) => s - (main0[i] ?? 0));
  const postgresS = postgresCpuS() - postgres0;
  const self = process.cpuUsage(self0);
  const machineS = machineBusyS() - machine0;
  const result = await load.stop();
  const loadGenS = (self.user + self.system) / 1e6;
  const doneByProcess = options.doneByProcess(result);
  const done = sum(doneByProcess);
  const wall = result.elapsedS;
  return {
    result,
    window: {
      perS: done / wall,
      perCpuS: done / (tenantS + postgresS),
      perTenantCpuS: done / tenantS,
      tenantCores: tenantS / wall,
      postgresCores: postgresS / wall,
      mainThreadCores: Math.max(...mainS) / wall,
      loadGenCores: loadGenS / wall,
      otherCores: (machineS - tenantS - postgresS - loadGenS) / wall,
      processes: processesS.map((cpuS, i) => ({ perS: (doneByProcess[i] ?? 0) / wall, cores: cpuS / wall })),
    },
  };
}

/** Several loads (one per tenant process) driven as one: recorded and stopped together. */
export function allOf<R>(
  loads: WindowedLoad<R & { elapsedS: number }>[],
): WindowedLoad<{ elapsedS: number; parts: R[] }> {
  return {
    record() {
      for (const load of loads) load.record();
    },
    async stop() {
      const parts = await Promise.all(loads.map((load) => load.stop()));
      return { elapsedS: Math.max(...parts.map((p) => p.elapsedS)), parts };
    },
  };
}
