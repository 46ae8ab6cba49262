import { ConfigError, type ConfigIssue } from '../errors.ts';

/** The environment that keyword replacement reads, usually `process.env`. */
export type KeywordEnv = Readonly<Record<string, string | undefined>>;

// `##KEY##` or `@@KEY@@` with the same marker on both sides, as the Auth0 Deploy CLI matches them.
const KEYWORD = /(##|@@)([A-Za-z0-9_]+)\1/g;
// A line that is only a YAML comment. A line that *starts* with a keyword (`##BLOCK##`) is not one.
const COMMENT_LINE = /^\s*#(?!#[A-Za-z0-9_]+##)/;

/**
 * Replaces Deploy CLI keywords in the raw file text, before YAML parsing, exactly as
 * `AUTH0_KEYWORD_REPLACE_MAPPINGS` does: `##KEY##` becomes the value verbatim and `@@KEY@@` becomes
 * `JSON.stringify(value)` (a quoted YAML string).
 *
 * Unlike the Deploy CLI, which leaves unknown keywords in place, a keyword whose variable is not set
 * is an error: a literal `##DB_PASSWORD##` silently becoming a password is worse than refusing to start.
 * Whole-line comments are left alone so that commented-out settings do not demand variables.
 * Line numbers reported later refer to the replaced text; they only drift from the file when a
 * `##KEY##` value itself contains line breaks.
 *
 * @throws ConfigError `ERR_CONFIG_ENV_MISSING` listing every missing variable.
 */
export function replaceKeywords(text: string, source: string, env: KeywordEnv): string {
  const missing = new Map<string, { marker: string; lines: number[] }>();
  const lines = text.split('\n');
  const replaced = lines.map((line, index) => {
    if (COMMENT_LINE.test(line)) return line;
    return line.replace(KEYWORD, (token: string, marker: string, key: string) => {
      const value = env[key];
      if (value !== undefined) return marker === '##' ? value : JSON.stringify(value);
      const entry = missing.get(key) ?? { marker, lines: [] };
      if (!entry.lines.includes(index + 1)) entry.lines.push(index + 1);
      missing.set(key, entry);
      return token;
    });
  });
  if (missing.size > 0) {
    const issues: ConfigIssue[] = [...missing].map(([key, { marker, lines: at }]) => ({
      file: source,
      path: '',
      message: `environment variable ${key} is not set but ${marker}${key}${marker} uses it on line ${at.join(', ')}`,
      fix: `export ${key}=... or remove ${marker}${key}${marker} from the file`,
    }));
    throw new ConfigError(issues, 'ERR_CONFIG_ENV_MISSING');
  }
  return replaced.join('\n');
}
