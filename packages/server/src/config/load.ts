import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AuthmeshError } from '../errors.ts';
import { deepFreeze } from './deep-freeze.ts';
import { IssueCollector } from './issues.ts';
import { type KeywordEnv, replaceKeywords } from './keywords.ts';
import type { TenantConfig } from './types.ts';
import { validateTenantFile } from './validate.ts';
import { parseYamlSource } from './yaml-source.ts';

/**
 * Reads and validates a tenant.yaml file (Auth0 Deploy CLI format plus authmesh's `users`).
 *
 * @param path - the file; relative paths are resolved against the working directory.
 * @param env - values for `##KEY##` / `@@KEY@@` keywords; defaults to `process.env`.
 * @returns the deep-frozen, fully defaulted configuration.
 * @throws AuthmeshError `ERR_CONFIG_NOT_FOUND` when the file cannot be read, and whatever
 *   {@link parseTenantConfig} throws.
 */
export async function loadTenantConfigFile(path: string, env: KeywordEnv = process.env): Promise<TenantConfig> {
  const source = resolve(path);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
    throw new AuthmeshError(
      'ERR_CONFIG_NOT_FOUND',
      `tenant configuration file ${source} ${reason}. fix: create it (see examples/tenant.yaml) or pass the right path with --config`,
      { cause: err },
    );
  }
  return parseTenantConfig(text, source, env);
}

/**
 * Validates tenant.yaml text. Pure and synchronous: the only input besides the text is `env`, which
 * defaults to an empty object (not `process.env`) so that results depend on the arguments alone.
 *
 * Steps: keyword replacement, YAML parsing, schema and cross-reference validation, Auth0 defaults.
 * All problems are collected and thrown together.
 *
 * @param source - the file name used in messages and in `TenantConfig.source` (e.g. `'<inline>'`).
 * @throws ConfigError `ERR_CONFIG_ENV_MISSING` (a keyword's variable is unset), `ERR_CONFIG_PARSE`
 *   (YAML syntax), or `ERR_CONFIG_INVALID` (everything else), each with every issue found.
 */
export function parseTenantConfig(text: string, source: string, env: KeywordEnv = {}): TenantConfig {
  // A UTF-8 BOM from Windows editors is not content.
  const replaced = replaceKeywords(text.replace(/^\uFEFF/, ''), source, env);
  const yaml = parseYamlSource(replaced, source);
  const issues = new IssueCollector(source, yaml.lineOf);
  for (const warning of yaml.warnings) issues.warn(warning);
  const sections = validateTenantFile(yaml.data, issues);
  if (issues.hasErrors) throw issues.toError();
  return deepFreeze({ source, ...sections, warnings: issues.warnings() });
}
