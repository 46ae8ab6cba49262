import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AuthmeshError } from '../errors.ts';
import { deepFreeze } from './deep-freeze.ts';
import { readDeployDirectory } from './directory-source.ts';
import { IssueCollector } from './issues.ts';
import { keywordMappingsFromEnv } from './keyword-mappings.ts';
import { type KeywordEnv, type KeywordMappings, replaceKeywords } from './keywords.ts';
import type { TenantConfig } from './types.ts';
import { validateTenantFile } from './validate.ts';
import { parseYamlSource } from './yaml-source.ts';

/** Where keyword values come from besides the environment. */
export interface KeywordOptions {
  /** The Deploy CLI config file's `AUTH0_KEYWORD_REPLACE_MAPPINGS` (see `loadKeywordMappings`). */
  mappings?: KeywordMappings;
}

/**
 * Reads and validates a tenant configuration in either format the Auth0 Deploy CLI writes: a YAML file
 * (tenant.yaml, plus authmesh's `users`) or a directory (`clients/*.json`, `tenant.json`, …).
 *
 * @param path - the file or directory; relative paths are resolved against the working directory.
 * @param env - values for `##KEY##` / `@@KEY@@` keywords; defaults to `process.env`. Its
 *   `AUTH0_KEYWORD_REPLACE_MAPPINGS`, when set to JSON, is read as the Deploy CLI reads it.
 * @param options - `mappings` from a Deploy CLI config file; the environment overrides them.
 * @returns the deep-frozen, fully defaulted configuration.
 * @throws AuthmeshError `ERR_CONFIG_NOT_FOUND` when the path cannot be read, and whatever
 *   {@link parseTenantConfig} throws (for a directory, `ERR_CONFIG_PARSE` names the broken JSON file).
 */
export async function loadTenantConfigFile(
  path: string,
  env: KeywordEnv = process.env,
  options: KeywordOptions = {},
): Promise<TenantConfig> {
  const source = resolve(path);
  const mappings = { ...options.mappings, ...keywordMappingsFromEnv(env) };
  const info = await stat(source).catch((err: unknown) => {
    throw notFound(source, err);
  });
  if (info.isDirectory()) return loadDirectory(source, env, mappings);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (err) {
    throw notFound(source, err);
  }
  return parseTenantConfig(text, source, env, mappings);
}

function notFound(source: string, err: unknown): AuthmeshError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
  return new AuthmeshError(
    'ERR_CONFIG_NOT_FOUND',
    `tenant configuration ${source} ${reason}. fix: create it (see examples/tenant.yaml) or pass the right path with --config`,
    { cause: err },
  );
}

/**
 * Validates tenant.yaml text. Pure and synchronous: the only inputs besides the text are `env` and
 * `mappings`, which default to empty objects (not `process.env`) so that results depend on the arguments alone.
 *
 * Steps: keyword replacement, YAML parsing, schema and cross-reference validation, Auth0 defaults.
 * The one exception to "pure": actions' `code` files are read, relative to the folder of `source`.
 * All problems are collected and thrown together.
 *
 * @param source - the file name used in messages and in `TenantConfig.source` (e.g. `'<inline>'`).
 * @throws ConfigError `ERR_CONFIG_ENV_MISSING` (a keyword has no value), `ERR_CONFIG_PARSE`
 *   (YAML syntax), or `ERR_CONFIG_INVALID` (everything else), each with every issue found.
 */
export function parseTenantConfig(
  text: string,
  source: string,
  env: KeywordEnv = {},
  mappings: KeywordMappings = {},
): TenantConfig {
  // A UTF-8 BOM from Windows editors is not content.
  const replaced = replaceKeywords(text.replace(/^\uFEFF/, ''), source, env, mappings);
  const yaml = parseYamlSource(replaced, source);
  const issues = new IssueCollector(source, yaml.lineOf);
  for (const warning of yaml.warnings) issues.warn(warning);
  // Action code files are relative to the tenant file, as the Deploy CLI's `basePath`.
  const baseDir = source === '<inline>' ? process.cwd() : dirname(resolve(source));
  const sections = validateTenantFile(yaml.data, issues, { baseDir, env, mappings });
  if (issues.hasErrors) throw issues.toError();
  return deepFreeze({ source, ...sections, warnings: issues.warnings() });
}

/** The directory format: the same validation, with each issue naming its JSON file and the line of its key. */
async function loadDirectory(source: string, env: KeywordEnv, mappings: KeywordMappings): Promise<TenantConfig> {
  const directory = await readDeployDirectory(source, env, mappings);
  const issues = new IssueCollector(source, undefined, { locate: directory.locate });
  for (const warning of directory.warnings) issues.warn(warning);
  const sections = validateTenantFile(directory.data, issues, { baseDir: source, env, mappings });
  if (issues.hasErrors) throw issues.toError();
  return deepFreeze({ source, ...sections, warnings: issues.warnings() });
}
