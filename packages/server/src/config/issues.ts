import { type AuthmeshErrorCode, ConfigError, type ConfigIssue } from '../errors.ts';
import { formatPath, type PathSegment } from './format-path.ts';

/** Maps a document path to the 1-based line it starts on, when the YAML source is known. */
export type LineLookup = (path: readonly PathSegment[]) => number | undefined;

interface Draft {
  path: readonly PathSegment[];
  message: string;
  fix: string;
}

/**
 * Collects every problem and warning found while loading one file, so the user sees all of them at
 * once instead of fixing one error per restart.
 */
export class IssueCollector {
  readonly #source: string;
  readonly #lineOf: LineLookup;
  readonly #drafts: Draft[] = [];
  readonly #warnings = new Set<string>();
  readonly #strict: boolean;

  /**
   * `strict` turns cautions into errors: a tenant file is the developer's own and may keep a risky
   * setting with a warning, while the same setting arriving over /api/v2 is refused.
   */
  constructor(source: string, lineOf: LineLookup = () => undefined, options: { strict?: boolean } = {}) {
    this.#source = source;
    this.#lineOf = lineOf;
    this.#strict = options.strict ?? false;
  }

  /** Records an error at `path`; `message` says what is wrong, `fix` what to do, each one sentence. */
  error(path: readonly PathSegment[], message: string, fix: string): void {
    this.#drafts.push({ path: [...path], message, fix });
  }

  /** Records a risky setting: an error when strict, otherwise a warning naming where it is and the fix. */
  caution(path: readonly PathSegment[], message: string, fix: string): void {
    if (this.#strict) this.error(path, message, fix);
    else this.warn(`${this.where(path)}: ${message}; ${fix}`);
  }

  /** Records a non-fatal note; identical notes are kept once. */
  warn(message: string): void {
    this.#warnings.add(message);
  }

  get hasErrors(): boolean {
    return this.#drafts.length > 0;
  }

  warnings(): string[] {
    return [...this.#warnings];
  }

  /** `clients[0].name (line 4)`: the path as shown to people, with its line when it can be found. */
  where(path: readonly PathSegment[]): string {
    const formatted = formatPath(path);
    if (formatted === '') return formatted;
    const line = this.#lineOf(path);
    return line === undefined ? formatted : `${formatted} (line ${line})`;
  }

  /** Every error as one ConfigError, ordered as they appear in the file (file-wide issues last). */
  toError(code: AuthmeshErrorCode = 'ERR_CONFIG_INVALID'): ConfigError {
    const ranked = this.#drafts.map((draft, order) => ({
      draft,
      order,
      line: draft.path.length === 0 ? undefined : this.#lineOf(draft.path),
    }));
    ranked.sort(
      (a, b) => (a.line ?? Number.POSITIVE_INFINITY) - (b.line ?? Number.POSITIVE_INFINITY) || a.order - b.order,
    );
    const issues: ConfigIssue[] = ranked.map(({ draft }) => ({
      file: this.#source,
      path: this.where(draft.path),
      message: draft.message,
      fix: draft.fix,
    }));
    return new ConfigError(issues, code);
  }
}

const MAX_QUOTED = 80;

/**
 * Quotes a user value for a message, truncated to 80 characters so that a pasted blob does not drown
 * the output. Never call it with a secret (see {@link isSecretKey}).
 */
export function quote(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === undefined) text = 'undefined';
  else text = JSON.stringify(value) ?? String(value);
  if (text.length > MAX_QUOTED) text = `${text.slice(0, MAX_QUOTED - 1)}…`;
  return `\`${text}\``;
}

// Keys whose values must never appear in a message, a log line or a test snapshot.
const SECRET_KEYS = new Set(['password', 'client_secret', 'signing_secret']);

/** True when the value stored under `key` is a secret that messages must not echo. */
export function isSecretKey(key: PathSegment | undefined): boolean {
  return typeof key === 'string' && SECRET_KEYS.has(key);
}
