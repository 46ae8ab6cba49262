/**
 * Runs tasks one at a time per key, in this process: a task starts after every earlier task of the same
 * key has settled (whatever its outcome); tasks of other keys run freely. Nothing is kept for a key once its
 * last task has settled.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const turn = before.then(task, task);
    const settled = turn.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, settled);
    try {
      return await turn;
    } finally {
      if (this.#tails.get(key) === settled) this.#tails.delete(key);
    }
  }
}
