/** One step into a parsed document: an object key or an array index. */
export type PathSegment = string | number;

// Keys that can be written after a dot in JS; anything else (spaces, dots, dashes) is bracket-quoted
// so that the printed path stays unambiguous.
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Formats a document path the way a JS developer would write it: dotted keys and `[n]` indices,
 * e.g. `clients[0].refresh_token.policies[1].scope[0]`. The empty path (the whole file) is `''`.
 */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (!IDENTIFIER.test(segment)) out += `[${JSON.stringify(segment)}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/**
 * Formats a path with its indices blanked, e.g. `clients[].oidc_conformant`. Used for warnings,
 * which are about a field in general rather than one entry, so that repeats collapse into one line.
 */
export function formatPathPattern(path: readonly PathSegment[]): string {
  return formatPath(path).replace(/\[\d+\]/g, '[]');
}

/** The value at `path` inside a parsed document, or undefined when the path leaves it. */
export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isRecord(current) && typeof segment === 'string') current = current[segment];
    else return undefined;
  }
  return current;
}

/** True for a plain mapping (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
