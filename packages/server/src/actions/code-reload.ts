import { readFile, stat } from 'node:fs/promises';
import { type KeywordEnv, type KeywordMappings, replaceKeywords } from '../config/keywords.ts';
import { ConfigError } from '../errors.ts';
import type { ActionRecord } from '../tenant/records.ts';
import { AccessDeniedByAction } from './errors.ts';

/**
 * Hot reload: an action whose code came from a file is re-read when the file's mtime changes, with its
 * keywords replaced as the config loader replaced them (the Deploy CLI replaces keywords inside action
 * code), so an edit takes effect at the next login without a restart.
 */
export class CodeReloader {
  readonly #keywords: { env: KeywordEnv; mappings: KeywordMappings } | undefined;
  /** Per action name: the stored code it started from, and the file's mtime and code as last read. */
  readonly #files = new Map<string, { base: string; mtimeMs: number; code: string }>();

  /** When the tenant started: a file changed later was edited after its code was loaded. */
  readonly #startedAt = Date.now();

  /** Without `keywords`, edited files are used as written. */
  constructor(keywords?: { env: KeywordEnv; mappings: KeywordMappings }) {
    this.#keywords = keywords;
  }

  /** The code to run now; throws `AccessDeniedByAction` (`ERR_ACTION_LOAD`) when an edit names an unset keyword. */
  async current(action: ActionRecord): Promise<string> {
    if (action.codeFile === undefined) return action.code;
    // A new deploy (the Management API, a restart) replaces the stored code: start over from it.
    const known = this.#files.get(action.name);
    const current = known?.base === action.code ? known : undefined;
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(action.codeFile)).mtimeMs;
    } catch {
      return current?.code ?? action.code;
    }
    if (current?.mtimeMs === mtimeMs) return current.code;
    // The code the tenant loaded, unless the file was edited since (before this first run, or between runs).
    const edited = current !== undefined || mtimeMs > this.#startedAt;
    const code = edited ? await this.#read(action.name, action.codeFile) : action.code;
    this.#files.set(action.name, { base: action.code, mtimeMs, code });
    return code;
  }

  async #read(name: string, file: string): Promise<string> {
    const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
    if (!this.#keywords) return text;
    try {
      return replaceKeywords(text, file, this.#keywords.env, this.#keywords.mappings);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new AccessDeniedByAction('ERR_ACTION_LOAD', {
        action: name,
        reason: `${file}: ${error.issues[0]?.message ?? 'a keyword has no value'}`,
      });
    }
  }
}
