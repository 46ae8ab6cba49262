import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AuthmeshError } from '../errors.ts';
import { type KdfJob, libuvHasher, type PasswordHasher } from './password-kdf.ts';
import type { WorkerReply, WorkerRequest, WorkerSettings } from './password-worker.ts';

/*
 * Password hashing on worker threads of its own, with a bounded queue.
 *
 * One argon2id check holds a thread for ~60-100 ms. On libuv's pool (4 threads, which RS256 signing also
 * uses) four concurrent logins stalled every token signature queued behind them; on the event loop they
 * would stall everything. Here each derivation runs on one of `threads` workers (by default one core fewer
 * than the machine has, so the event loop keeps a core for everything else), at most `maxQueue` wait for
 * one, and a login beyond that is refused at once with `ERR_PASSWORD_HASHING_BUSY` (503 + Retry-After at
 * every endpoint) instead of piling up memory and latency.
 */

/** The tenant's password-hashing settings (`TenantOptions.passwordHashing`). */
export interface PasswordHashingOptions {
  /**
   * Worker threads that hash; default `max(1, availableParallelism() - 1)`, at most 8 (each argon2id hash
   * takes 19 MiB while it runs). `0` hashes on libuv's thread pool as the tenant did before, unbounded.
   */
  threads?: number;
  /**
   * Hashes that may wait for a free thread; one more is refused (503 with `Retry-After`). Default 32 per
   * thread (with one thread: 32 logins waiting, ~2-3 s for the last one).
   */
  maxQueue?: number;
  /**
   * Linux only: the hashing threads' nice value, 0-19 (default 10). When cores are free it changes nothing;
   * when they are not, the event loop (token signing and every other request) is served before the hashes,
   * so a login burst does not slow client-credentials tokens. 0 hashes at the process's priority.
   */
  nice?: number;
  /**
   * Linux only: run the hashing threads under `SCHED_IDLE` (set with util-linux `chrt` on each thread; where
   * it is missing or refused, `nice` alone applies). Default false. An idle-policy thread runs only when no
   * other thread of the machine wants the CPU, and any waking thread preempts it at once, where a niced
   * thread keeps the CPU until its time slice ends (Linux's EEVDF scheduler): client-credentials latency then
   * barely moves during a login burst (bench/README.md). The price: hashes get only spare CPU, so logins
   * slow down (and queue, then get 503) while other work keeps every core busy.
   */
  idle?: boolean;
}

/** What a busy tenant asks a client to wait: a queue of hashes drains in about that. */
export const PASSWORD_HASHING_RETRY_AFTER_S = 1;
const MAX_THREADS = 8;
const QUEUE_PER_THREAD = 32;
/** CFS gives a nice-0 thread about 9× the CPU share of a nice-10 one when they compete. */
const DEFAULT_NICE = 10;

/** True for the refusal of a hash because the queue is full (answered 503 with `Retry-After`). */
export function isPasswordHashingBusy(error: unknown): error is AuthmeshError {
  return error instanceof AuthmeshError && error.code === 'ERR_PASSWORD_HASHING_BUSY';
}

/** The default thread count for this machine. */
export function defaultHashingThreads(): number {
  return Math.min(MAX_THREADS, Math.max(1, availableParallelism() - 1));
}

/** A hasher the tenant made from its options, and how to stop it. */
export interface OwnedPasswordHasher {
  /** Refuses with `ERR_PASSWORD_HASHING_BUSY` when the queue is full; its `patient` view never does. */
  hasher: PasswordHasher;
  close(): Promise<void>;
}

/** The tenant's hasher for `options` (threads 0: libuv's pool, nothing to close). */
export function createPasswordHasher(options: PasswordHashingOptions = {}): OwnedPasswordHasher {
  if (options.threads === 0) return { hasher: libuvHasher, close: async () => {} };
  const pool = new PasswordHashingPool(options);
  return { hasher: pool, close: () => pool.close() };
}

/** The worker script, and data handed to it; tests substitute a script that crashes or waits on a gate. */
export interface PasswordWorkerScript {
  url: URL;
  workerData?: unknown;
}

interface Pending {
  job: KdfJob;
  resolve(hash: Buffer): void;
  reject(error: Error): void;
}

/**
 * A fixed-size pool of hashing workers started on demand (no thread exists until the first hash) and a
 * bounded FIFO queue in front of them. Idle workers are `unref`'d, so a process whose work is done exits
 * without `close()`; a worker with a job keeps the process alive until the job ends. A worker that dies
 * fails its job with `ERR_PASSWORD_HASHING_FAILED` and is replaced for the jobs still queued.
 */
export class PasswordHashingPool implements PasswordHasher {
  readonly threads: number;
  readonly maxQueue: number;
  readonly #script: PasswordWorkerScript;
  readonly #workers = new Set<Worker>();
  readonly #idle: Worker[] = [];
  readonly #busy = new Map<Worker, Pending>();
  readonly #crashes = new Map<Worker, Error>();
  readonly #queue: Pending[] = [];
  #nextId = 1;
  #closed = false;

  /** Throws `ERR_TENANT_START` for settings out of range (threads 1-64, maxQueue ≥ 0, nice 0-19, integers; idle a boolean). */
  constructor(options: PasswordHashingOptions = {}, script?: PasswordWorkerScript) {
    this.threads = setting('threads', options.threads ?? defaultHashingThreads(), 1, 64);
    this.maxQueue = setting(
      'maxQueue',
      options.maxQueue ?? QUEUE_PER_THREAD * this.threads,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    const settings: WorkerSettings = {
      nice: setting('nice', options.nice ?? DEFAULT_NICE, 0, 19),
      idle: flag('idle', options.idle ?? false),
    };
    // The same expression in the built package names password-worker.js (scripts/build-packages.ts).
    this.#script = script ?? { url: new URL('./password-worker.ts', import.meta.url), workerData: settings };
  }

  /** Runs one derivation on a worker; rejects at once with `ERR_PASSWORD_HASHING_BUSY` when the queue is full. */
  derive(job: KdfJob): Promise<Buffer> {
    return this.#submit(job, true);
  }

  /**
   * The same pool for work no client is waiting on (seeding users at start): it joins the queue whatever
   * its length, so it is never refused; requests arriving meanwhile see a longer queue.
   */
  readonly patient: PasswordHasher = { derive: (job) => this.#submit(job, false) };

  /** Workers started, hashing, and jobs waiting (for tests and metrics). */
  get stats(): { workers: number; busy: number; queued: number } {
    return { workers: this.#workers.size, busy: this.#busy.size, queued: this.#queue.length };
  }

  /** Fails waiting and running jobs with `ERR_TENANT_CLOSED` and terminates every worker. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) pending.reject(closedError());
    const workers = [...this.#workers];
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  #submit(job: KdfJob, bounded: boolean): Promise<Buffer> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<Buffer>((resolve, reject) => {
      const pending: Pending = { job, resolve, reject };
      const worker = this.#idle.pop() ?? (this.#workers.size < this.threads ? this.#spawn() : undefined);
      if (worker) this.#dispatch(worker, pending);
      else if (!bounded || this.#queue.length < this.maxQueue) this.#queue.push(pending);
      else reject(busyError());
    });
  }

  #spawn(): Worker {
    const worker = new Worker(this.#script.url, {
      workerData: this.#script.workerData,
      // A worker inherits the process's flags; a hashing worker needs none, and no inspector or profiler port.
      execArgv: [],
      name: 'authmesh password hashing',
    });
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.#settle(worker, reply));
    worker.on('error', (error) => this.#crashes.set(worker, error));
    worker.on('exit', (exitCode) => this.#lost(worker, exitCode));
    this.#workers.add(worker);
    return worker;
  }

  #dispatch(worker: Worker, pending: Pending): void {
    this.#busy.set(worker, pending);
    // While it hashes, the worker keeps the process alive: the caller is waiting for its answer.
    worker.ref();
    const { job } = pending;
    // Copies of the salt: a view into Node's shared 8 KiB buffer slab would clone the whole slab.
    const request: WorkerRequest =
      job.kind === 'argon2id'
        ? { ...job, nonce: new Uint8Array(job.nonce), id: this.#nextId++ }
        : { ...job, salt: new Uint8Array(job.salt), id: this.#nextId++ };
    worker.postMessage(request);
  }

  #settle(worker: Worker, reply: WorkerReply): void {
    const pending = this.#busy.get(worker);
    this.#busy.delete(worker);
    if ('hash' in reply) pending?.resolve(Buffer.from(reply.hash.buffer, reply.hash.byteOffset, reply.hash.length));
    else pending?.reject(failedError(`the derivation failed: ${reply.error}`));
    const next = this.#queue.shift();
    if (next) {
      this.#dispatch(worker, next);
      return;
    }
    worker.unref();
    this.#idle.push(worker);
  }

  #lost(worker: Worker, exitCode: number): void {
    this.#workers.delete(worker);
    const idleAt = this.#idle.indexOf(worker);
    if (idleAt >= 0) this.#idle.splice(idleAt, 1);
    const pending = this.#busy.get(worker);
    this.#busy.delete(worker);
    const crash = this.#crashes.get(worker);
    this.#crashes.delete(worker);
    if (this.#closed) {
      pending?.reject(closedError());
      return;
    }
    const why = crash ? crash.message : `exit code ${exitCode}`;
    pending?.reject(failedError(`the password-hashing worker stopped (${why})`));
    // The jobs that were waiting get a new worker rather than waiting for the next caller to start one.
    while (this.#queue.length > 0 && this.#workers.size < this.threads) {
      this.#dispatch(this.#spawn(), this.#queue.shift() as Pending);
    }
  }
}

/** A whole number within [min, max], or a start error naming the setting. */
function setting(name: string, value: number, min: number, max: number): number {
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  const range = max === Number.MAX_SAFE_INTEGER ? `of ${min} or more` : `from ${min} to ${max}`;
  throw new AuthmeshError('ERR_TENANT_START', `passwordHashing.${name} must be a whole number ${range}, got ${value}`);
}

/** A boolean setting from JavaScript callers too: a string such as "false" must not pass as either value. */
function flag(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw new AuthmeshError('ERR_TENANT_START', `passwordHashing.${name} must be true or false, got ${String(value)}`);
}

function busyError(): AuthmeshError {
  return new AuthmeshError(
    'ERR_PASSWORD_HASHING_BUSY',
    'too many password checks are waiting; the request was refused rather than queued',
  );
}

function failedError(message: string): AuthmeshError {
  return new AuthmeshError('ERR_PASSWORD_HASHING_FAILED', message);
}

function closedError(): AuthmeshError {
  return new AuthmeshError('ERR_TENANT_CLOSED', 'the tenant is closing: password hashing has stopped');
}
