/**
 * Stable error codes thrown by `@authmesh/server`. Tests and callers switch on `code`,
 * never on `message`, which is for people.
 */
export type AuthmeshErrorCode =
  | 'ERR_CONFIG_INVALID'
  | 'ERR_CONFIG_NOT_FOUND'
  | 'ERR_CONFIG_PARSE'
  | 'ERR_CONFIG_ENV_MISSING'
  | 'ERR_STORAGE'
  | 'ERR_STORAGE_CONFLICT'
  | 'ERR_TENANT_START'
  | 'ERR_TENANT_CLOSED'
  | 'ERR_DATA_DIR_LOCKED'
  | 'ERR_JSON_MALFORMED'
  | 'ERR_JSON_TOO_DEEP'
  | 'ERR_TRUST_PROXY_INVALID'
  | 'ERR_PASSWORD_HASH_UNREADABLE'
  | 'ERR_PASSWORD_HASHING_BUSY'
  | 'ERR_PASSWORD_HASHING_FAILED'
  | 'ERR_ACTION_DENIED'
  | 'ERR_ACTION_FAILED'
  | 'ERR_ACTION_TIMEOUT'
  | 'ERR_ACTION_LOAD'
  | 'ERR_SIGNING_KEY'
  | 'ERR_SIGNING_KEY_NOT_FOUND';

/** The one base class for every error `@authmesh/server` throws on purpose. */
export class AuthmeshError extends Error {
  readonly code: AuthmeshErrorCode;

  constructor(code: AuthmeshErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AuthmeshError';
    this.code = code;
  }
}

/** One problem found in a tenant.yaml: where it is and how to fix it. */
export interface ConfigIssue {
  /** The file the problem is in. */
  file: string;
  /** A JS-style path into the document, e.g. `clientGrants[2].audience`; empty for the whole file. */
  path: string;
  /** What is wrong, in one sentence. */
  message: string;
  /** What to do about it, in one sentence. */
  fix: string;
}

/** Thrown when a tenant.yaml fails validation; carries every problem found, not only the first. */
export class ConfigError extends AuthmeshError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], code: AuthmeshErrorCode = 'ERR_CONFIG_INVALID') {
    super(code, formatIssues(issues));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function formatIssues(issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => `  ${i.file}${i.path ? ` at ${i.path}` : ''}: ${i.message}\n    fix: ${i.fix}`);
  const noun = issues.length === 1 ? 'problem' : 'problems';
  return `tenant configuration has ${issues.length} ${noun}:\n${lines.join('\n')}`;
}
