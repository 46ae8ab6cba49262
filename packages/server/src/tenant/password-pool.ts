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
   * it is missing or refused, `nice` alone applies). Default true: token-first. An idle-policy thread runs
   * only when no other thread of the machine wants the CPU, and any waking thread preempts it at once, where
   * a niced thread keeps the CPU until its time slice ends (Linux's EEVDF scheduler): client-credentials
   * latency then barely moves during a login burst (bench/README.md). Hashes get only spare CPU, so while
   * other work keeps every core busy logins slow down, up to `rescueAfterMs`. `false`: `nice` alone.
   */
  idle?: boolean;
  /**
   * With `idle`: a hash still running this many milliseconds after an idle-policy thread started it (about
   * 50 ms of CPU: that thread is starved, other work keeps every core busy) is also given to a rescue thread
   * that runs at `nice` (one, started when first needed; the first answer wins), which then also takes the
   * queue's head whenever it is free and a hashing thread is starved. So a busy machine slows logins down
   * but never stops them. Time spent queued behind other logins (a backlog, not starvation) does not count:
   * the queue bound and its 503 handle that. Default 1000; 0 turns the rescue off.
   */
  rescueAfterMs?: number;
}

/** What a busy tenant asks a client to wait: a queue of hashes drains in about that. */
export const PASSWORD_HASHING_RETRY_AFTER_S = 1;
const MAX_THREADS = 8;
const QUEUE_PER_THREAD = 32;
/** CFS gives a nice-0 thread about 9× the CPU share of a nice-10 one when they compete. */
const DEFAULT_NICE = 10;
/** How long a hash may run on a starved idle-policy thread before a niced thread hashes it too (`rescueAfterMs`). */
const DEFAULT_RESCUE_AFTER_MS = 1_000;

/** True for the refusal of a hash because the queue is full (answered 503 with `Retry-After`). */
export function isPasswordHashingBusy(error: unknown): error is AuthmeshError {
  return error instanceof AuthmeshError && error.code === 'ERR_PASSWORD_HASHING_BUSY';
}

/** The default thread count for this machine. */
export function defaultHashingThreads(): number {
  return Math.min(MAX_THREADS, Math.max(1, availableParallelism() - 1));
}

/** What a hashing pool reports about itself (for tests and the tenant's metrics). */
export interface PasswordHashingStats {
  /** Regular hashing threads started. */
  workers: number;
  /** Regular threads hashing now. */
  busy: number;
  /** Jobs waiting for a thread. */
  queued: number;
  /** Jobs the rescue thread took since the pool started (starved ones, and queued ones while a thread was starved). */
  rescued: number;
  /** Jobs refused with `ERR_PASSWORD_HASHING_BUSY` (a full queue) since the pool started. */
  refused: number;
}

/** A hasher the tenant made from its options, and how to stop it. */
export interface OwnedPasswordHasher {
  /** Refuses with `ERR_PASSWORD_HASHING_BUSY` when the queue is full; its `patient` view never does. */
  hasher: PasswordHasher;
  /** The pool's figures; absent when hashing on libuv's pool (`threads: 0`). */
  stats?: () => PasswordHashingStats;
  close(): Promise<void>;
}

/** The tenant's hasher for `options` (threads 0: libuv's pool, nothing to close). */
export function createPasswordHasher(options: PasswordHashingOptions = {}): OwnedPasswordHasher {
  if (options.threads === 0) return { hasher: libuvHasher, close: async () => {} };
  const pool = new PasswordHashingPool(options);
  return { hasher: pool, stats: () => pool.stats, close: () => pool.close() };
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
  /** Answered (by either thread): a later answer for the same job is dropped. */
  settled: boolean;
  /** Threads working on it now (a regular one, the rescue one, or both). */
  running: number;
  /** The rescue timer, from when a regular thread started it until it is answered. */
  rescueTimer?: NodeJS.Timeout;
}

/** One hashing thread, regular (idle policy when `idle`) or the rescue thread (`nice` only). */
interface HashingThread {
  worker: Worker;
  rescue: boolean;
  /** When its current job was handed to it (performance.now()). */
  since: number;
}

/**
 * A fixed-size pool of hashing workers started on demand (no thread exists until the first hash) and a
 * bounded FIFO queue in front of them. Idle workers are `unref`'d, so a process whose work is done exits
 * without `close()`; a worker with a job keeps the process alive until the job ends. A worker that dies
 * fails its job with `ERR_PASSWORD_HASHING_FAILED` (unless the other thread is still on it) and is replaced
 * for the jobs still queued. With `idle`, a job still running `rescueAfterMs` after a regular thread started
 * it is also handed to the rescue thread (see {@link PasswordHashingOptions.rescueAfterMs}).
 */
export class PasswordHashingPool implements PasswordHasher {
  readonly threads: number;
  readonly maxQueue: number;
  readonly rescueAfterMs: number;
  readonly #script: PasswordWorkerScript;
  readonly #rescueScript: PasswordWorkerScript;
  readonly #threads = new Set<HashingThread>();
  readonly #idle: HashingThread[] = [];
  readonly #busy = new Map<HashingThread, Pending>();
  readonly #crashes = new Map<HashingThread, Error>();
  readonly #queue: Pending[] = [];
  /** Jobs starved on a regular thread for `rescueAfterMs` that wait for the rescue thread, oldest first. */
  readonly #starving: Pending[] = [];
  #rescuer: HashingThread | undefined;
  #rescued = 0;
  #refused = 0;
  #nextId = 1;
  #closed = false;

  /**
   * Throws `ERR_TENANT_START` for settings out of range (threads 1-64, maxQueue ≥ 0, nice 0-19,
   * rescueAfterMs 0-600000, integers; idle a boolean).
   */
  constructor(options: PasswordHashingOptions = {}, script?: PasswordWorkerScript) {
    this.threads = setting('threads', options.threads ?? defaultHashingThreads(), 1, 64);
    this.maxQueue = setting(
      'maxQueue',
      options.maxQueue ?? QUEUE_PER_THREAD * this.threads,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    const nice = setting('nice', options.nice ?? DEFAULT_NICE, 0, 19);
    const idle = flag('idle', options.idle ?? true);
    const rescueAfterMs = setting('rescueAfterMs', options.rescueAfterMs ?? DEFAULT_RESCUE_AFTER_MS, 0, 600_000);
    // Without the idle policy (asked for, and Linux's) a hash is never starved more than any other thread.
    this.rescueAfterMs = idle && process.platform === 'linux' ? rescueAfterMs : 0;
    const settings = (rescue: boolean): WorkerSettings => ({ nice, idle: idle && !rescue });
    // The same expression in the built package names password-worker.js (scripts/build-packages.ts).
    const url = new URL('./password-worker.ts', import.meta.url);
    this.#script = script ?? { url, workerData: settings(false) };
    // A test's stand-in script learns which thread it is from `rescue` next to its own data.
    this.#rescueScript = script
      ? { url: script.url, workerData: { ...(script.workerData as object), rescue: true } }
      : { url, workerData: settings(true) };
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

  /** What the pool is doing, and what it rescued and refused so far (for tests and metrics). */
  get stats(): PasswordHashingStats {
    let workers = 0;
    let busy = 0;
    for (const thread of this.#threads) {
      if (thread.rescue) continue;
      workers++;
      if (this.#busy.has(thread)) busy++;
    }
    return { workers, busy, queued: this.#queue.length, rescued: this.#rescued, refused: this.#refused };
  }

  /** Fails waiting and running jobs with `ERR_TENANT_CLOSED` and terminates every worker. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of [...this.#queue.splice(0), ...this.#starving.splice(0)]) this.#fail(pending, closedError());
    const threads = [...this.#threads];
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }

  #submit(job: KdfJob, bounded: boolean): Promise<Buffer> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<Buffer>((resolve, reject) => {
      const pending: Pending = { job, resolve, reject, settled: false, running: 0 };
      const thread = this.#idle.pop() ?? (this.#regularCount() < this.threads ? this.#spawn(false) : undefined);
      if (thread) this.#dispatch(thread, pending);
      else if (this.#rescuer && !this.#busy.has(this.#rescuer) && this.#starved())
        this.#dispatch(this.#rescuer, pending);
      else if (!bounded || this.#queue.length < this.maxQueue) this.#queue.push(pending);
      else {
        this.#refused++;
        reject(busyError());
      }
    });
  }

  #regularCount(): number {
    return this.#threads.size - (this.#rescuer ? 1 : 0);
  }

  /** True while a regular thread has been on its job for `rescueAfterMs` or more: it gets no CPU. */
  #starved(): boolean {
    const now = performance.now();
    for (const thread of this.#busy.keys()) {
      if (!thread.rescue && now - thread.since >= this.rescueAfterMs) return true;
    }
    return false;
  }

  /** `pending` ran `rescueAfterMs` on a regular thread without an answer: the rescue thread takes it now, or next. */
  #rescue(pending: Pending): void {
    pending.rescueTimer = undefined;
    if (pending.settled || this.#closed) return;
    this.#rescuer ??= this.#spawn(true);
    if (this.#busy.has(this.#rescuer)) this.#starving.push(pending);
    else this.#dispatch(this.#rescuer, pending);
  }

  #spawn(rescue: boolean): HashingThread {
    const script = rescue ? this.#rescueScript : this.#script;
    const worker = new Worker(script.url, {
      workerData: script.workerData,
      // A worker inherits the process's flags; a hashing worker needs none, and no inspector or profiler port.
      execArgv: [],
      name: rescue ? 'authmesh password hashing (rescue)' : 'authmesh password hashing',
    });
    const thread: HashingThread = { worker, rescue, since: 0 };
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.#settle(thread, reply));
    worker.on('error', (error) => this.#crashes.set(thread, error));
    worker.on('exit', (exitCode) => this.#lost(thread, exitCode));
    this.#threads.add(thread);
    return thread;
  }

  #dispatch(thread: HashingThread, pending: Pending): void {
    this.#busy.set(thread, pending);
    thread.since = performance.now();
    pending.running++;
    if (thread.rescue) this.#rescued++;
    else if (this.rescueAfterMs > 0 && pending.rescueTimer === undefined) {
      pending.rescueTimer = setTimeout(() => this.#rescue(pending), this.rescueAfterMs);
      // A waiting login keeps the process alive through its worker, not through this timer.
      pending.rescueTimer.unref();
    }
    // While it hashes, the worker keeps the process alive: the caller is waiting for its answer.
    thread.worker.ref();
    const { job } = pending;
    // Copies of the salt: a view into Node's shared 8 KiB buffer slab would clone the whole slab.
    const request: WorkerRequest =
      job.kind === 'argon2id'
        ? { ...job, nonce: new Uint8Array(job.nonce), id: this.#nextId++ }
        : { ...job, salt: new Uint8Array(job.salt), id: this.#nextId++ };
    thread.worker.postMessage(request);
  }

  #settle(thread: HashingThread, reply: WorkerReply): void {
    const pending = this.#busy.get(thread);
    this.#busy.delete(thread);
    if (pending) {
      pending.running--;
      if ('hash' in reply)
        this.#succeed(pending, Buffer.from(reply.hash.buffer, reply.hash.byteOffset, reply.hash.length));
      // The same job still running on the other thread may yet succeed.
      else if (pending.running === 0) this.#fail(pending, failedError(`the derivation failed: ${reply.error}`));
    }
    this.#next(thread);
  }

  /**
   * A thread that is free takes its next job: a regular one the queue's head; the rescue thread a starved
   * job, or the queue's head while a regular thread is starved.
   */
  #next(thread: HashingThread): void {
    let next: Pending | undefined;
    if (thread.rescue) {
      // A starved job the regular thread answered meanwhile needs no rescue any more.
      do next = this.#starving.shift();
      while (next?.settled);
      if (next === undefined && this.#starved()) next = this.#queue.shift();
    } else {
      next = this.#queue.shift();
    }
    if (next) {
      this.#dispatch(thread, next);
      return;
    }
    thread.worker.unref();
    if (!thread.rescue) this.#idle.push(thread);
  }

  #succeed(pending: Pending, hash: Buffer): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.rescueTimer);
    pending.resolve(hash);
  }

  #fail(pending: Pending, error: Error): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.rescueTimer);
    pending.reject(error);
  }

  #lost(thread: HashingThread, exitCode: number): void {
    this.#threads.delete(thread);
    if (thread === this.#rescuer) this.#rescuer = undefined;
    const idleAt = this.#idle.indexOf(thread);
    if (idleAt >= 0) this.#idle.splice(idleAt, 1);
    const pending = this.#busy.get(thread);
    this.#busy.delete(thread);
    const crash = this.#crashes.get(thread);
    this.#crashes.delete(thread);
    if (pending) pending.running--;
    if (this.#closed) {
      if (pending) this.#fail(pending, closedError());
      return;
    }
    const why = crash ? crash.message : `exit code ${exitCode}`;
    if (pending && pending.running === 0)
      this.#fail(pending, failedError(`the password-hashing worker stopped (${why})`));
    // The jobs that were waiting get a new worker rather than waiting for the next caller to start one.
    if (thread.rescue) {
      const starving = this.#starving.filter((waiting) => !waiting.settled);
      this.#starving.length = 0;
      for (const waiting of starving) this.#rescue(waiting);
      return;
    }
    while (this.#queue.length > 0 && this.#regularCount() < this.threads) {
      this.#dispatch(this.#spawn(false), this.#queue.shift() as Pending);
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
