/**
 * One measured window of a target made of several processes (bench/lib's measureWindow measures one): every CPU
 * reader is read at the same two instants, so that tenant processes, PostgreSQL, the load generator and
 * everything else on the machine add up to the machine's busy time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WindowedLoad } from '../lib/measure.ts';
import { machineBusyS, processCpuS } from '../lib/measure.ts';
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
}

export async function measureScaleWindow<R extends { elapsedS: number }>(
  load: WindowedLoad<R>,
  target: TargetProcesses,
  options: { warmupS: number; durationS: number; done: (result: R) => number },
): Promise<{ result: R; window: ScaleWindow }> {
  const tenantCpuS = () => target.pids.reduce((total, pid) => total + processCpuS(pid), 0);
  const mainThreads = () => target.pids.map(mainThreadCpuS);
  const postgresCpuS = target.postgresCpuS ?? (() => 0);
  await sleep(options.warmupS * 1000);
  const tenant0 = tenantCpuS();
  const main0 = mainThreads();
  const postgres0 = postgresCpuS();
  const self0 = process.cpuUsage();
  const machine0 = machineBusyS();
  load.record();
  await sleep(options.durationS * 1000);
  const tenantS = tenantCpuS() - tenant0;
  const mainS = mainThreads().map((s, i) => s - (main0[i] ?? 0));
  const postgresS = postgresCpuS() - postgres0;
  const self = process.cpuUsage(self0);
  const machineS = machineBusyS() - machine0;
  const result = await load.stop();
  const loadGenS = (self.user + self.system) / 1e6;
  const done = options.done(result);
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
