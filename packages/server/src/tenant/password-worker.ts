import { execFileSync } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { deriveSync, type KdfJob } from './password-kdf.ts';

/*
 * A password-hashing worker thread (started by password-pool.ts): derives one key at a time, synchronously,
 * on its own thread, so that neither the event loop nor libuv's pool (RS256 signing) waits for it.
 * Replies `{ id, hash }` (the bytes transferred, not copied) or `{ id, error }` (the message only: the
 * password never leaves in an error).
 *
 * On Linux the thread lowers its own scheduling priority (`workerData.nice`, +10 by default; per thread
 * there: `setpriority` on "process" 0 is the calling thread). When cores are free this changes nothing; when they are not, the
 * event loop (token signing, every other request) is served first and the hashes take what is left,
 * which is what keeps client-credentials latency flat during a login burst. Elsewhere `setpriority` would
 * lower the whole process, so the thread keeps the default.
 *
 * With `workerData.idle` (Linux) the thread also asks for the `SCHED_IDLE` policy: it then runs only on
 * otherwise idle CPU and is preempted as soon as any other thread wakes. Node has no binding for
 * `sched_setscheduler`, so util-linux `chrt` sets it on this thread's id (from /proc/thread-self); lowering
 * one's own policy needs no privilege. Without `chrt`, or if it fails, the nice value above still applies.
 */

/** What the pool tells a worker. */
export interface WorkerSettings {
  /** The thread's nice value on Linux (0-19); 0 leaves it as the process's. */
  nice: number;
  /** Linux: ask for the SCHED_IDLE policy too. */
  idle: boolean;
}

/** Where util-linux installs `chrt`; an absolute path, so that nothing on PATH is run instead. */
const CHRT = ['/usr/bin/chrt', '/bin/chrt'];

/** A job as the pool posts it. */
export type WorkerRequest = KdfJob & { id: number };
/** What the worker answers for one job. */
export type WorkerReply = { id: number; hash: Uint8Array } | { id: number; error: string };

const port = parentPort;
if (!port) throw new Error('password-worker.ts runs as a worker thread (see password-pool.ts)');
const { nice, idle } = workerData as WorkerSettings;
if (process.platform === 'linux' && nice > 0) {
  try {
    setPriority(nice);
  } catch {
    // A sandbox that forbids it: the thread hashes at normal priority.
  }
}
if (process.platform === 'linux' && idle) useIdlePolicy();

function useIdlePolicy(): void {
  const chrt = CHRT.find((path) => existsSync(path));
  if (chrt === undefined) return;
  try {
    // "<pid>/task/<tid>": this thread's id, which `chrt -p` takes.
    const tid = readlinkSync('/proc/thread-self').split('/').at(-1) ?? '';
    if (!/^\d+$/.test(tid)) return;
    execFileSync(chrt, ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 5_000 });
  } catch {
    // Refused (a seccomp profile) or failed: the nice value alone applies.
  }
}

port.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: request.id, hash: new Uint8Array(deriveSync(request)) };
  } catch (error) {
    reply = { id: request.id, error: (error as Error).message };
  }
  port.postMessage(reply, 'hash' in reply ? [reply.hash.buffer as ArrayBuffer] : []);
});
