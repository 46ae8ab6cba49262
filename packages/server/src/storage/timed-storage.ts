import type { Storage } from './contract.ts';

/** Receives the duration of every storage call: `operation` is e.g. `model.find` or `entities.apply`. */
export type StorageTimer = (operation: string, ok: boolean, seconds: number) => void;

/**
 * The same storage with every asynchronous call timed (for latency metrics), whatever the backend.
 * Operation names are the contract's method names, a fixed set (model names are left out: the engine's
 * models all go through the same few queries). A proxy rather than a hand-written copy of the contract,
 * so that a method a backend or a later contract adds is passed through, never silently dropped.
 */
export function timeStorage(storage: Storage, timer: StorageTimer): Storage {
  const models = new Map<string, object>();
  const entities = timeCalls(storage.entities, 'entities.', timer);
  return new Proxy(storage, {
    get(target, property) {
      if (property === 'entities') return entities;
      if (property === 'close') return () => target.close();
      if (property === 'model') {
        return (name: string) => {
          let store = models.get(name);
          if (store === undefined) {
            store = timeCalls(target.model(name), 'model.', timer);
            models.set(name, store);
          }
          return store;
        };
      }
      return timedMember(target, property, '', timer);
    },
  });
}

function timeCalls<T extends object>(target: T, prefix: string, timer: StorageTimer): T {
  return new Proxy(target, { get: (inner, property) => timedMember(inner, property, prefix, timer) });
}

/** A method of `target` bound to it and timed when it returns a promise; other members as they are. */
function timedMember(target: object, property: string | symbol, prefix: string, timer: StorageTimer): unknown {
  const member: unknown = Reflect.get(target, property, target);
  if (typeof member !== 'function' || typeof property !== 'string') return member;
  const operation = `${prefix}${property}`;
  return (...args: unknown[]) => {
    const started = performance.now();
    const result: unknown = member.apply(target, args);
    if (!(result instanceof Promise)) return result;
    return result.then(
      (value: unknown) => {
        timer(operation, true, (performance.now() - started) / 1_000);
        return value;
      },
      (error: unknown) => {
        timer(operation, false, (performance.now() - started) / 1_000);
        throw error;
      },
    );
  };
}
