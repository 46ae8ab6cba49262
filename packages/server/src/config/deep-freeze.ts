/**
 * Freezes a plain data tree in place and returns it. The loaded configuration is shared by every
 * part of the tenant; freezing turns an accidental mutation into an immediate TypeError instead of
 * a config that silently differs from the file.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
