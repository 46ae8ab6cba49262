import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AuthmeshError } from '../errors.ts';
import { isRecord } from './format-path.ts';
import type { KeywordEnv, KeywordMappings } from './keywords.ts';

const KEY = 'AUTH0_KEYWORD_REPLACE_MAPPINGS';

/**
 * Reads `AUTH0_KEYWORD_REPLACE_MAPPINGS` from a Deploy CLI config file (the `config.json` given to
 * `a0deploy import -c`), so that the file a team already uses works unchanged. The file's other keys
 * (AUTH0_DOMAIN, AUTH0_CLIENT_SECRET, …) are not read.
 *
 * @throws AuthmeshError `ERR_CONFIG_NOT_FOUND` when the file cannot be read, `ERR_CONFIG_PARSE` when it
 *   is not JSON or its mappings are not an object.
 */
export async function loadKeywordMappings(path: string): Promise<KeywordMappings> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AuthmeshError(
      'ERR_CONFIG_NOT_FOUND',
      `keywords file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}). fix: pass the Deploy CLI config file (config.json) with --keywords`,
      { cause: err },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    // The parser's message may quote the file, which holds secrets (AUTH0_CLIENT_SECRET): not repeated.
    throw new AuthmeshError('ERR_CONFIG_PARSE', `keywords file ${file} is not valid JSON. fix: correct its syntax`);
  }
  if (!isRecord(parsed)) {
    throw new AuthmeshError(
      'ERR_CONFIG_PARSE',
      `keywords file ${file} must hold a JSON object. fix: write {"${KEY}": {...}}`,
    );
  }
  return mappingsValue(parsed[KEY], `${KEY} in ${file}`) ?? {};
}

/**
 * `AUTH0_KEYWORD_REPLACE_MAPPINGS` set in the environment as JSON, which the Deploy CLI decodes too
 * (it lists the key among its non-primitive settings); undefined when unset.
 */
export function keywordMappingsFromEnv(env: KeywordEnv): KeywordMappings | undefined {
  const text = env[KEY];
  if (text === undefined || text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AuthmeshError(
      'ERR_CONFIG_PARSE',
      `environment variable ${KEY} is not valid JSON. fix: set it to a JSON object`,
    );
  }
  return mappingsValue(parsed, `environment variable ${KEY}`);
}

function mappingsValue(value: unknown, what: string): KeywordMappings | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    try {
      return mappingsValue(JSON.parse(value) as unknown, what);
    } catch {
      throw new AuthmeshError('ERR_CONFIG_PARSE', `${what} is a string that is not JSON. fix: make it a JSON object`);
    }
  }
  if (!isRecord(value)) {
    throw new AuthmeshError(
      'ERR_CONFIG_PARSE',
      `${what} must be an object of keyword → value. fix: write {"KEY": "value"}`,
    );
  }
  return value;
}
