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
 */

/** What the pool tells a worker. */
export interface WorkerSettings {
  /** The thread's nice value on Linux (0-19); 0 leaves it as the process's. */
  nice: number;
}

/** A job as the pool posts it. */
export type WorkerRequest = KdfJob & { id: number };
/** What the worker answers for one job. */
export type WorkerReply = { id: number; hash: Uint8Array } | { id: number; error: string };

const port = parentPort;
if (!port) throw new Error('password-worker.ts runs as a worker thread (see password-pool.ts)');
const { nice } = workerData as WorkerSettings;
if (process.platform === 'linux' && nice > 0) {
  try {
    setPriority(nice);
  } catch {
    // A sandbox that forbids it: the thread hashes at normal priority.
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
