import { parentPort } from 'node:worker_threads';
import { deriveSync, type KdfJob } from './password-kdf.ts';

/*
 * A password-hashing worker thread (started by password-pool.ts): derives one key at a time, synchronously,
 * on its own thread, so that neither the event loop nor libuv's pool (RS256 signing) waits for it.
 * Replies `{ id, hash }` (the bytes transferred, not copied) or `{ id, error }` (the message only: the
 * password never leaves in an error).
 */

/** A job as the pool posts it. */
export type WorkerRequest = KdfJob & { id: number };
/** What the worker answers for one job. */
export type WorkerReply = { id: number; hash: Uint8Array } | { id: number; error: string };

const port = parentPort;
if (!port) throw new Error('password-worker.ts runs as a worker thread (see password-pool.ts)');

port.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: request.id, hash: new Uint8Array(deriveSync(request)) };
  } catch (error) {
    reply = { id: request.id, error: (error as Error).message };
  }
  port.postMessage(reply, 'hash' in reply ? [reply.hash.buffer as ArrayBuffer] : []);
});
