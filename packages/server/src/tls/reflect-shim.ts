/*
 * `@peculiar/x509` registers its algorithms with tsyringe, which refuses to load unless a Reflect
 * metadata API exists. The package may add one dependency only, and tsyringe needs just three functions
 * for classes without constructor parameters, so this installs a minimal, WeakMap-backed version of them
 * when (and only when) no polyfill is present. It runs only on the certificate path, never on import of
 * `@authmesh/server`.
 */

type MetadataMap = Map<unknown, unknown>;
type ReflectWithMetadata = typeof Reflect & {
  getMetadata?: (key: unknown, target: object, property?: PropertyKey) => unknown;
  getOwnMetadata?: (key: unknown, target: object, property?: PropertyKey) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object, property?: PropertyKey) => void;
};

/** Installs `Reflect.getMetadata`, `getOwnMetadata` and `defineMetadata` unless a polyfill already did. */
export function ensureReflectMetadata(): void {
  const reflect = Reflect as ReflectWithMetadata;
  if (typeof reflect.getMetadata === 'function') return;
  const store = new WeakMap<object, Map<PropertyKey | undefined, MetadataMap>>();
  const own = (target: object, property: PropertyKey | undefined, create: boolean): MetadataMap | undefined => {
    let byProperty = store.get(target);
    if (!byProperty) {
      if (!create) return undefined;
      byProperty = new Map();
      store.set(target, byProperty);
    }
    let map = byProperty.get(property);
    if (!map && create) {
      map = new Map();
      byProperty.set(property, map);
    }
    return map;
  };
  reflect.defineMetadata = (key, value, target, property) => {
    own(target, property, true)?.set(key, value);
  };
  reflect.getOwnMetadata = (key, target, property) => own(target, property, false)?.get(key);
  reflect.getMetadata = (key, target, property) => {
    // Like reflect-metadata: walk the prototype chain so that subclasses see their parents' metadata.
    for (let at: object | null = target; at !== null; at = Object.getPrototypeOf(at)) {
      const map = own(at, property, false);
      if (map?.has(key)) return map.get(key);
    }
    return undefined;
  };
}
