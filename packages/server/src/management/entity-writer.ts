import { AuthmeshError } from '../errors.ts';
import type { EntityOp } from '../storage/contract.ts';
import type { TenantContext } from '../tenant/context.ts';
import { conflict } from './errors.ts';

/**
 * The Management API's only path to storage. Writes run one at a time, so that the checks a handler makes
 * against the registry (does the client exist, is the identifier free) still hold when its batch is
 * applied; each batch is atomic (a failed request changes nothing) and is made live with
 * `registry.publish()` before the response, so the token endpoint honours it on the very next request (and
 * the other processes sharing the storage are told to reload).
 */
export class EntityWriter {
  readonly #tenant: TenantContext;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(tenant: TenantContext) {
    this.#tenant = tenant;
  }

  /** Runs `work` after every earlier write has finished, and before any later one starts. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    // The queue must go on after a failed write; the failure itself goes to the caller.
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Applies `ops` atomically and refreshes the registry. A unique-key clash (a write from outside this
   * process, or two writers) becomes 409 with `conflictMessage`.
   */
  async commit(
    ops: readonly EntityOp[],
    conflictMessage = 'A conflicting change was made at the same time.',
  ): Promise<void> {
    try {
      await this.#tenant.storage.entities.apply(ops);
    } catch (error) {
      if (error instanceof AuthmeshError && error.code === 'ERR_STORAGE_CONFLICT') throw conflict(conflictMessage);
      throw error;
    }
    await this.#tenant.registry.publish();
  }
}
