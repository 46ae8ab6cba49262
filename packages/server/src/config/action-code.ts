import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Script } from 'node:vm';
import { ConfigError } from '../errors.ts';
import { type KeywordEnv, type KeywordMappings, replaceKeywords } from './keywords.ts';

/**
 * Where an action's `code` is read from. The Deploy CLI writes `code: ./actions/<name>/code.js`, relative
 * to the YAML file's folder (its `basePath`) or to the directory of the directory format, and replaces
 * keywords inside the file as it does in the tenant file (its `loadFileAndReplaceKeywords`).
 */
export interface ActionCodeSource {
  /** The folder relative `code` paths start from. */
  baseDir: string;
  env: KeywordEnv;
  mappings: KeywordMappings;
}

/** The code of one action or module: its text, and the file it came from when it came from one. */
export type LoadedCode = { ok: true; code: string; file?: string } | { ok: false; message: string; fix: string };

/**
 * Reads `code` as the Deploy CLI does: a path to a JavaScript file. A value spanning several lines is the
 * source itself (what `/api/v2/actions/actions` holds, and handy in tests). Never throws: a missing file or
 * a keyword without a value comes back as a message for the caller's issue list.
 */
export function loadActionCode(code: string, source: ActionCodeSource): LoadedCode {
  if (code.includes('\n')) return { ok: true, code };
  const file = isAbsolute(code) ? code : resolve(source.baseDir, code.replace(/\\/g, '/'));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    return {
      ok: false,
      message: `code file ${file} ${reason}`,
      fix: "write the path of the action's JavaScript file relative to the tenant file (the Deploy CLI writes `./actions/<name>/code.js`)",
    };
  }
  try {
    return { ok: true, code: replaceKeywords(text.replace(/^\uFEFF/, ''), file, source.env, source.mappings), file };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const first = error.issues[0];
    return {
      ok: false,
      message: `code file ${file}: ${first?.message ?? 'a keyword has no value'}`,
      fix: first?.fix ?? '',
    };
  }
}

/** A JavaScript syntax error with the 1-based line and column inside the action's own text. */
export interface CodeSyntaxError {
  line: number;
  column: number;
  message: string;
}

// Actions are CommonJS modules (`exports.onExecutePostLogin = …`); the wrapper is Node's module wrapper,
// kept on the first line so that line numbers inside it are the file's.
const WRAPPER_START = '(function (exports, require, module, __filename, __dirname) {';

/**
 * Compiles the code without running it, so a syntax error is reported when the tenant file is loaded, with
 * its line and column, rather than at the first login. The message is the parser's and never quotes the
 * source (a substituted keyword may be a secret).
 */
export function findSyntaxError(code: string, filename: string): CodeSyntaxError | undefined {
  try {
    new Script(`${WRAPPER_START}${code}\n})`, { filename });
    return undefined;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return locate(error, filename);
  }
}

/** V8 puts `<filename>:<line>`, the source line and a caret line at the top of a SyntaxError's stack. */
function locate(error: SyntaxError, filename: string): CodeSyntaxError {
  const lines = (error.stack ?? '').split('\n');
  const at = lines[0]?.startsWith(`${filename}:`) ? Number(lines[0].slice(filename.length + 1)) : Number.NaN;
  const caret = lines[2]?.indexOf('^') ?? -1;
  const line = Number.isInteger(at) && at > 0 ? at : 1;
  // On line 1 the wrapper precedes the code.
  const column = caret < 0 ? 1 : line === 1 ? Math.max(1, caret - WRAPPER_START.length + 1) : caret + 1;
  return { line, column, message: error.message };
}
