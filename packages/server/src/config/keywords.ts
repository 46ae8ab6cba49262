import { ConfigError, type ConfigIssue } from '../errors.ts';

/** The environment that keyword replacement reads, usually `process.env`. */
export type KeywordEnv = Readonly<Record<string, string | undefined>>;

/** The Deploy CLI's `AUTH0_KEYWORD_REPLACE_MAPPINGS`: any JSON value per keyword (strings, numbers, lists…). */
export type KeywordMappings = Readonly<Record<string, unknown>>;

// `##KEY##` or `@@KEY@@` with the same marker on both sides. An `@@KEY@@` may stand inside single or
// double quotes, which the replacement swallows: the Deploy CLI's `keywordReplaceArrayRegExp`
// (src/tools/utils.ts) matches `'@@KEY@@'`, `"@@KEY@@"` and `@@KEY@@` alike.
const KEYWORD = /(['"])@@([A-Za-z0-9_]+)@@\1|(##|@@)([A-Za-z0-9_]+)\3/g;
// A line that is only a YAML comment. A line that *starts* with a keyword (`##BLOCK##`) is not one.
const COMMENT_LINE = /^\s*#(?!#[A-Za-z0-9_]+##)/;

/**
 * Replaces Deploy CLI keywords in the raw file text, before parsing, as the Deploy CLI's `keywordReplace`
 * (src/tools/utils.ts, v8.43) does:
 * - `@@KEY@@` becomes `JSON.stringify(value)`, and the quotes around it go with it, so a list stays a
 *   list (`callbacks: "@@CALLBACKS@@"` → `callbacks: ["https://a", "https://b"]`) and a string becomes a
 *   quoted string;
 * - `##KEY##` becomes the value as text (a list as `a,b`, as JavaScript writes it).
 *
 * Values come from `env` (the environment, which overrides the config file as `a0deploy --env` does) and
 * then from `mappings` (the Deploy CLI config file's `AUTH0_KEYWORD_REPLACE_MAPPINGS`). An environment
 * variable holding a JSON list or object is parsed for `@@KEY@@`, so a list can come from the
 * environment; other values stay strings (a numeric password is still a string, as in the Deploy CLI).
 *
 * Unlike the Deploy CLI, which leaves unknown keywords in place, a keyword without a value is an error:
 * a literal `##DB_PASSWORD##` silently becoming a password is worse than refusing to start. Whole-line
 * comments are left alone so that commented-out settings do not demand variables. Line numbers reported
 * later refer to the replaced text; they only drift from the file when a value contains line breaks.
 *
 * @throws ConfigError `ERR_CONFIG_ENV_MISSING` listing every keyword without a value.
 */
export function replaceKeywords(text: string, source: string, env: KeywordEnv, mappings: KeywordMappings = {}): string {
  const missing = new Map<string, { marker: string; lines: number[] }>();
  const lines = text.split('\n');
  const replaced = lines.map((line, index) => {
    if (COMMENT_LINE.test(line)) return line;
    return line.replace(
      KEYWORD,
      (token: string, _quote: string | undefined, quotedKey: string | undefined, marker: string, key: string) => {
        const name = quotedKey ?? key;
        const json = quotedKey !== undefined || marker === '@@';
        const found = lookUp(name, env, mappings);
        if (found !== undefined) return json ? JSON.stringify(found.json) : found.text;
        const shown = json ? '@@' : '##';
        const entry = missing.get(name) ?? { marker: shown, lines: [] };
        if (!entry.lines.includes(index + 1)) entry.lines.push(index + 1);
        missing.set(name, entry);
        return token;
      },
    );
  });
  if (missing.size > 0) {
    const withMappings = Object.keys(mappings).length > 0;
    const issues: ConfigIssue[] = [...missing].map(([key, { marker, lines: at }]) => ({
      file: source,
      path: '',
      message: `environment variable ${key} is not set${withMappings ? ' nor mapped in AUTH0_KEYWORD_REPLACE_MAPPINGS' : ''} but ${marker}${key}${marker} uses it on line ${at.join(', ')}`,
      fix: `export ${key}=...${withMappings ? `, add ${key} to AUTH0_KEYWORD_REPLACE_MAPPINGS,` : ''} or remove ${marker}${key}${marker} from the file`,
    }));
    throw new ConfigError(issues, 'ERR_CONFIG_ENV_MISSING');
  }
  return replaced.join('\n');
}

/** A keyword's value as `##` inserts it (text) and as `@@` inserts it (JSON). */
function lookUp(key: string, env: KeywordEnv, mappings: KeywordMappings): { text: string; json: unknown } | undefined {
  const fromEnv = Object.hasOwn(env, key) ? env[key] : undefined;
  if (fromEnv !== undefined) return { text: fromEnv, json: parseJsonStructure(fromEnv) ?? fromEnv };
  if (!Object.hasOwn(mappings, key)) return undefined;
  const value = mappings[key];
  if (value === undefined) return undefined;
  return { text: typeof value === 'string' ? value : String(value), json: value };
}

/** The list or object an environment variable holds as JSON, or undefined for any other text. */
function parseJsonStructure(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}
