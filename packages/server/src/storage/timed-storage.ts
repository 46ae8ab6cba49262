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
  // Keyed by the backend's store, which is asked every time: it is the one to refuse a closed storage.
  const models = new WeakMap<object, object>();
  const entities = timeCalls(storage.entities, 'entities.', timer);
  const model = (name: string) => {
    const inner = storage.model(name);
    let store = models.get(inner);
    if (store === undefined) {
      store = timeCalls(inner, 'model.', timer);
      models.set(inner, store);
    }
    return store;
  };
  const close = () => storage.close();
  const timed = timeCalls(storage, '', timer);
  return new Proxy(storage, {
    get(_target, property, receiver) {
      if (property === 'entities') return entities;
      if (property === 'model') return model;
      if (property === 'close') return close;
      return Reflect.get(timed, property, receiver);
    },
  });
}

/** `target` with each method bound to it and timed when it returns a promise; other members as they are. */
function timeCalls<T extends object>(target: T, prefix: string, timer: StorageTimer): T {
  // One wrapper per method, made on first use: the storage calls sit on every request's path.
  const wrappers = new Map<string, unknown>();
  return new Proxy(target, {
    get(inner, property) {
      const member: unknown = Reflect.get(inner, property, inner);
      if (typeof member !== 'function' || typeof property !== 'string') return member;
      let wrapper = wrappers.get(property);
      if (wrapper === undefined) {
        wrapper = timedMethod(inner, member as (...args: unknown[]) => unknown, `${prefix}${property}`, timer);
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

function timedMethod(
  target: object,
  method: (...args: unknown[]) => unknown,
  operation: string,
  timer: StorageTimer,
): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    const started = performance.now();
    const result = method.apply(target, args);
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
