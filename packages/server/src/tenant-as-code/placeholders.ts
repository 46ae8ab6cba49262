/**
 * Keyword placeholders for user passwords. Storage holds only password hashes, so an export cannot
 * contain a user's password, and a tenant.yaml user without one cannot be imported. Each user gets a
 * Deploy CLI keyword instead; the importer supplies the value through its environment.
 */

const PREFIX = 'AUTHMESH_PASSWORD_';

/**
 * The environment variable that holds one user's password in an exported file:
 * `alice@example.test` → `AUTHMESH_PASSWORD_ALICE_AT_EXAMPLE_TEST`. Addresses that differ only in
 * punctuation (`a.b@x.test`, `a-b@x.test`) share a variable, hence a password.
 */
export function passwordVariable(email: string): string {
  const slug = email
    .toUpperCase()
    .replace('@', '_AT_')
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `${PREFIX}${slug}`;
}

/**
 * `@@VAR@@` (not `##VAR##`): keyword replacement then writes the value JSON-quoted, so a password with
 * `#`, `:` or quotes still parses as one YAML string.
 */
export function passwordKeyword(variable: string): string {
  return `@@${variable}@@`;
}

// The YAML library must quote a scalar that starts with `@`; the keyword only works unquoted.
const QUOTED_KEYWORD = new RegExp(`^(\\s+password: )"(@@${PREFIX}[A-Z0-9_]+@@)"$`, 'gm');

/** Removes the quotes the YAML serializer put around password keywords. */
export function unquotePasswordKeywords(text: string): string {
  return text.replace(QUOTED_KEYWORD, '$1$2');
}
