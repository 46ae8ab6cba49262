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
  /** Per action name: the file's mtime and code as last read. */
  readonly #files = new Map<string, { mtimeMs: number; code: string }>();

  /** Without `keywords`, edited files are used as written. */
  constructor(keywords?: { env: KeywordEnv; mappings: KeywordMappings }) {
    this.#keywords = keywords;
  }

  /** The code to run now; throws `AccessDeniedByAction` (`ERR_ACTION_LOAD`) when an edit names an unset keyword. */
  async current(action: ActionRecord): Promise<string> {
    if (action.codeFile === undefined) return action.code;
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(action.codeFile)).mtimeMs;
    } catch {
      return this.#files.get(action.name)?.code ?? action.code;
    }
    const known = this.#files.get(action.name);
    if (known?.mtimeMs === mtimeMs) return known.code;
    // The first run uses the code the tenant loaded; an edit is read again.
    const code = known === undefined ? action.code : await this.#read(action.name, action.codeFile);
    this.#files.set(action.name, { mtimeMs, code });
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
