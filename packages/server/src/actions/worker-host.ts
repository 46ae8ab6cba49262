import { Worker } from 'node:worker_threads';
import { AccessDeniedByAction } from './errors.ts';
import type { RunRequest, WorkerMessage } from './protocol.ts';
import type { ActionLogLine } from './types.ts';

/** How a run ended in the worker: its recorded `api` calls, or the action's failure. */
export type RunOutcome = WorkerMessage & { type: 'done' | 'failed' };

/** The message Auth0 reports for an action that overran its limit. */
const TIMEOUT_REASON = 'Script Execution Time Exceeded';

/**
 * How long a new worker may take to load before its runs fail. Loading is the tenant's cost, not the
 * action's: an action's own limit starts only once the worker is ready, so that a worker restarted on a
 * busy machine does not spend a short limit before the action's first line runs.
 */
const WORKER_START_LIMIT_MS = 15_000;

function timedOut(action: string): AccessDeniedByAction {
  return new AccessDeniedByAction('ERR_ACTION_TIMEOUT', { action, reason: TIMEOUT_REASON });
}

interface PendingRun {
  resolve(message: RunOutcome): void;
  reject(error: Error): void;
  onLog(level: ActionLogLine['level'], message: string): void;
}

/**
 * The one worker thread (actions/worker.ts) that runs actions, started on first use. A run that overruns
 * its limit terminates the worker (the only way to stop synchronous code) and fails the runs it held; the
 * next run starts a new worker, so a hung action never stops the tenant.
 */
export class ActionWorker {
  #worker: Worker | undefined;
  /** Callbacks waiting for the current worker's `ready` message; undefined once it is ready. */
  #starting: (() => void)[] | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, PendingRun>();
  #closed = false;

  /**
   * Runs one action within `timeoutMs` (what is left of its flow's limit); `onLog` receives its `console.*`
   * lines. Rejects with `AccessDeniedByAction` (`ERR_ACTION_TIMEOUT`) on an overrun, and with the cause
   * when the worker failed.
   */
  run(
    request: Omit<RunRequest, 'id' | 'type'>,
    timeoutMs: number,
    onLog: (level: ActionLogLine['level'], message: string) => void,
  ): Promise<RunOutcome> {
    // The flow's limit is already spent by the actions before this one: it does not start.
    if (timeoutMs <= 0) return Promise.reject(timedOut(request.module.name));
    const worker = this.#ensure(request.module.name);
    const id = this.#nextId++;
    return new Promise<RunOutcome>((resolve, reject) => {
      const expire = (error: Error) => {
        this.#pending.delete(id);
        this.#restart(worker);
        reject(error);
      };
      let timer = setTimeout(
        () =>
          expire(
            new AccessDeniedByAction('ERR_ACTION_FAILED', {
              action: request.module.name,
              reason: 'the actions worker did not start',
            }),
          ),
        WORKER_START_LIMIT_MS,
      );
      this.#pending.set(id, {
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
        onLog,
      });
      this.#whenReady(worker, () => {
        clearTimeout(timer);
        // Already settled (the worker failed while starting): nothing to time.
        if (!this.#pending.has(id)) return;
        timer = setTimeout(() => expire(timedOut(request.module.name)), timeoutMs);
      });
      worker.postMessage({ ...request, type: 'run', id } satisfies RunRequest);
    });
  }

  /** Stops the worker and fails the runs in flight. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new Error('the tenant is closing'));
    await worker?.terminate();
  }

  #ensure(action: string): Worker {
    if (this.#closed) throw new AccessDeniedByAction('ERR_ACTION_FAILED', { action, reason: 'the tenant is closing' });
    if (this.#worker) return this.#worker;
    // `import()` in actions uses Node's loader through a vm option Node still flags as experimental: its
    // one-time warning would read as a tenant problem, so the worker runs without warnings.
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { execArgv: ['--no-warnings'] });
    // The worker must not keep a finished process alive; runs in flight keep their own timers.
    worker.unref();
    this.#starting = [];
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        const waiting = this.#worker === worker ? this.#starting : undefined;
        if (this.#worker === worker) this.#starting = undefined;
        for (const callback of waiting ?? []) callback();
        return;
      }
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      if (message.type === 'log') {
        pending.onLog(message.level, message.message);
        return;
      }
      this.#pending.delete(message.id);
      pending.resolve(message);
    });
    worker.on('error', (error) => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#failAll(error);
    });
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
    });
    this.#worker = worker;
    return worker;
  }

  /** Calls `callback` once `worker` is ready (at once if it is). */
  #whenReady(worker: Worker, callback: () => void): void {
    if (this.#worker === worker && this.#starting !== undefined) this.#starting.push(callback);
    else callback();
  }

  #restart(worker: Worker): void {
    if (this.#worker === worker) this.#worker = undefined;
    this.#failAll(new Error('the actions worker was restarted after another action timed out'));
    void worker.terminate();
  }

  #failAll(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const run of pending) run.reject(error);
  }
}
