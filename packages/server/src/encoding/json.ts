import { AuthmeshError } from '../errors.ts';

/**
 * How deeply a JSON request body may nest objects and arrays. No Auth0 request needs more than a few
 * levels; the bound keeps recursive code further on (validation, `JSON.stringify`, storage) from
 * overflowing the stack on a hostile body, which would otherwise surface as a 500.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * `JSON.parse` for request bodies, refusing nesting deeper than `maxDepth` before parsing.
 *
 * @throws AuthmeshError `ERR_JSON_TOO_DEEP` when objects/arrays nest deeper than `maxDepth`,
 *   `ERR_JSON_MALFORMED` when the text is not JSON. Messages never quote the body.
 */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepth(text, maxDepth) > maxDepth) {
    throw new AuthmeshError('ERR_JSON_TOO_DEEP', `JSON nests deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new AuthmeshError('ERR_JSON_MALFORMED', 'body is not valid JSON', { cause });
  }
}

/**
 * The deepest nesting of `{`/`[` outside strings, counting stops once past `limit`. A linear scan with
 * no recursion, so it cannot itself overflow; malformed text gives some number and then fails to parse.
 */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}

/** The nesting depth of an already parsed value (`{}` and `[]` count 1, scalars 0); iterative. */
export function valueDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [current, depth] = entry;
    if (typeof current !== 'object' || current === null) continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    for (const child of Object.values(current)) stack.push([child, here]);
  }
  return deepest;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
