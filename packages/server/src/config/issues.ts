import { type AuthmeshErrorCode, ConfigError, type ConfigIssue } from '../errors.ts';
import { formatPath, type PathSegment } from './format-path.ts';

/** Maps a document path to the 1-based line it starts on, when the YAML source is known. */
export type LineLookup = (path: readonly PathSegment[]) => number | undefined;

/** Where a value is written when the document was assembled from several files (the directory format). */
export interface FileLocation {
  /** The file holding the value. */
  file: string;
  /** The path inside that file. */
  path: PathSegment[];
  line?: number;
}

/** Finds the file of a document path; undefined for paths above every file (e.g. a whole section). */
export type Locate = (path: readonly PathSegment[]) => FileLocation | undefined;

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
  readonly #locate: Locate | undefined;

  /**
   * `strict` turns cautions into errors: a tenant file is the developer's own and may keep a risky
   * setting with a warning, while the same setting arriving over /api/v2 is refused. `locate` is for a
   * document assembled from several files: issues then name the file, and the path and line inside it.
   */
  constructor(
    source: string,
    lineOf: LineLookup = () => undefined,
    options: { strict?: boolean; locate?: Locate } = {},
  ) {
    this.#source = source;
    this.#lineOf = lineOf;
    this.#strict = options.strict ?? false;
    this.#locate = options.locate;
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

  /**
   * `clients[0].name (line 4)`: the path as shown to people, with its line when it can be found; in a
   * document assembled from several files, prefixed with the file (`clients/Web.json: name (line 4)`).
   */
  where(path: readonly PathSegment[]): string {
    const place = this.#place(path);
    const inFile = this.#inFile(place);
    if (place.file === this.#source) return inFile;
    const file = relativeTo(this.#source, place.file);
    return inFile === '' ? file : `${file}: ${inFile}`;
  }

  #place(path: readonly PathSegment[]): FileLocation {
    const located = this.#locate?.(path);
    if (located !== undefined) return located;
    const line = path.length === 0 ? undefined : this.#lineOf(path);
    return line === undefined ? { file: this.#source, path: [...path] } : { file: this.#source, path: [...path], line };
  }

  #inFile(place: FileLocation): string {
    const formatted = formatPath(place.path);
    if (place.line === undefined) return formatted;
    return formatted === '' ? `line ${place.line}` : `${formatted} (line ${place.line})`;
  }

  /** Every error as one ConfigError, ordered as they appear in the file (file-wide issues last). */
  toError(code: AuthmeshErrorCode = 'ERR_CONFIG_INVALID'): ConfigError {
    const ranked = this.#drafts.map((draft, order) => ({ draft, order, place: this.#place(draft.path) }));
    ranked.sort(
      (a, b) =>
        (a.place.file < b.place.file ? -1 : a.place.file > b.place.file ? 1 : 0) ||
        (a.place.line ?? Number.POSITIVE_INFINITY) - (b.place.line ?? Number.POSITIVE_INFINITY) ||
        a.order - b.order,
    );
    const issues: ConfigIssue[] = ranked.map(({ draft, place }) => ({
      file: place.file,
      path: this.#inFile(place),
      message: draft.message,
      fix: draft.fix,
    }));
    return new ConfigError(issues, code);
  }
}

/** `clients/Web.json` for a file inside the directory `base`; the file as given otherwise. */
function relativeTo(base: string, file: string): string {
  const prefix = base.endsWith('/') ? base : `${base}/`;
  return file.startsWith(prefix) ? file.slice(prefix.length) : file;
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
