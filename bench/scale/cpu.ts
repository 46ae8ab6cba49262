/**
 * CPU accounting for a target made of several processes: the tenant processes (all their threads, and their
 * main threads alone) and the PostgreSQL server they share, all read from /proc.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

const CLK_TCK = 100; // USER_HZ of /proc/*/stat on Linux

/** Fields #3 (state) onwards of a /proc stat file: index i is field #(i + 3). */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

const seconds = (fields: string[], ...indexes: number[]) =>
  indexes.reduce((total, i) => total + Number(fields[i]), 0) / CLK_TCK;

/** CPU seconds (user + system) of a process's main thread: the event loop of a Node process. */
export function mainThreadCpuS(pid: number): number {
  return seconds(statFields(`/proc/${pid}/task/${pid}/stat`), 11, 12); // #14 utime, #15 stime
}

/**
 * The PostgreSQL server at `url` (on this machine) as a CPU reader: the postmaster's own CPU, plus what its
 * exited children used (#16 cutime, #17 cstime: a backend's CPU moves there when the postmaster reaps it), plus
 * its live children (backends, WAL writer, checkpointer...). The postmaster is found as the parent of the
 * backend that answers `pg_backend_pid()`.
 */
export async function postgresCpu(url: string): Promise<PostgresProcesses> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let postmaster: number;
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // Read while connected: the backend exits with the connection.
    postmaster = Number(statFields(`/proc/${Number(rows[0]?.pid)}/stat`)[1]); // #4 ppid
  } finally {
    await client.end();
  }
  const children = () =>
    readdirSync('/proc').flatMap((entry) => {
      if (!/^\d+$/.test(entry)) return [];
      try {
        const fields = statFields(`/proc/${entry}/stat`);
        return Number(fields[1]) === postmaster ? [{ pid: Number(entry), cpuS: seconds(fields, 11, 12) }] : [];
      } catch {
        return []; // The process ended between readdir and read: its CPU is now in the postmaster's cutime/cstime.
      }
    });
  return {
    pids: () => [postmaster, ...children().map((child) => child.pid)],
    cpuS: () =>
      seconds(statFields(`/proc/${postmaster}/stat`), 11, 12, 13, 14) +
      children().reduce((total, child) => total + child.cpuS, 0),
  };
}

/** A PostgreSQL server on this machine, as the benchmark sees it. */
export interface PostgresProcesses {
  /** The postmaster and its children now (backends forked later inherit the postmaster's CPU affinity). */
  pids(): number[];
  /** CPU seconds the server has used so far, exited backends included. */
  cpuS(): number;
}

/** Pins every thread of `pids` to `cpus`, a `taskset` list such as `0,1` or `2-3`. */
export function pin(pids: readonly number[], cpus: string): void {
  for (const pid of pids)
    execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(pid)], { stdio: 'ignore' });
}

/** How many CPUs a `taskset` list names. */
export function cpuCount(list: string): number {
  return list.split(',').reduce((count, part) => {
    const [from = '', to = from] = part.split('-');
    return count + Number(to) - Number(from) + 1;
  }, 0);
}

/**
 * The threads of `pid` whose CPU affinity is not exactly `cpus` (a `taskset` list such as `0`), as
 * `<tid>: <Cpus_allowed_list>`; empty when every thread may run on `cpus` and nowhere else.
 */
export function threadsNotPinnedTo(pid: number, cpus: string): string[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    let allowed: string | undefined;
    try {
      allowed = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))?.[1];
    } catch {
      return []; // The thread ended between readdir and read.
    }
    return allowed === cpus ? [] : [`${tid}: ${allowed ?? '?'}`];
  });
}
