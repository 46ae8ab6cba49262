import { expect } from 'vitest';
import { parseTenantConfig } from '../../src/config/load.ts';
import { AuthmeshError, ConfigError } from '../../src/errors.ts';

/** Joins lines into a YAML document, so that line N of the file is argument N. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** Parses `text` expecting a ConfigError, checks the invariants every issue must satisfy, and returns it. */
export function expectConfigError(text: string, env: Record<string, string> = {}): ConfigError {
  let caught: unknown;
  try {
    parseTenantConfig(text, 'tenant.yaml', env);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const error = caught as ConfigError;
  expect(error).toBeInstanceOf(AuthmeshError);
  expect(error.issues.length).toBeGreaterThan(0);
  for (const issue of error.issues) {
    expect(issue.file).toBe('tenant.yaml');
    expect(issue.message.length).toBeGreaterThan(0);
    expect(issue.fix.trim().length).toBeGreaterThan(0);
  }
  return error;
}
