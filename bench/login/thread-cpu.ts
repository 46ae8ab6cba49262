/** Per-thread CPU of a process, from /proc (Linux): which thread of a server did the work. */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds of each thread of `pid`, by thread name (`comm`), summed over threads of the same name. */
export function threadCpuS(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = Number(tid) === pid ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(fields[11]) + Number(fields[12])) / 100;
    byName.set(name, (byName.get(name) ?? 0) + cpuS);
  }
  return byName;
}
