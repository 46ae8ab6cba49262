import type { DatabaseOptions } from '../config/types.ts';

/*
 * Auth0's password strength levels for database connections ("Password Strength" in Auth0's docs, the
 * password-sheriff presets):
 * - none: at least 1 character;
 * - low: at least 6 characters;
 * - fair: at least 8, with lower case, upper case and digits;
 * - good: at least 8, with 3 of the 4 types lower case, upper case, digits, special characters;
 * - excellent: at least 10, 3 of the 4 types, and no character more than twice in a row.
 * `password_complexity_options.min_length` replaces the level's length, whatever the level.
 * The result has the shape of Auth0's `PasswordStrengthError.description` (rules with `verified` flags).
 */

/** One rule as Auth0 reports it; `%d` in `message` is filled from `format`. */
export interface PasswordRule {
  message: string;
  code: string;
  format?: number[];
  items?: PasswordRule[];
  verified: boolean;
}

export interface PasswordVerdict {
  verified: boolean;
  rules: PasswordRule[];
  /** Auth0's human-readable policy text (the `policy` field of its error). */
  policy: string;
}

const CHARACTER_TYPES = [
  { code: 'lowerCase', message: 'lower case letters (a-z)', test: /[a-z]/ },
  { code: 'upperCase', message: 'upper case letters (A-Z)', test: /[A-Z]/ },
  { code: 'numbers', message: 'numbers (i.e. 0-9)', test: /[0-9]/ },
  { code: 'specialCharacters', message: 'special characters (e.g. !@#$%^&*)', test: /[^A-Za-z0-9]/ },
] as const;

const LEVEL_LENGTH = { none: 1, low: 6, fair: 8, good: 8, excellent: 10 } as const;

/** Checks `password` against the connection's policy. */
export function checkPasswordPolicy(
  password: string,
  options: Pick<DatabaseOptions, 'passwordPolicy' | 'min_length'>,
): PasswordVerdict {
  const level = options.passwordPolicy;
  const length = options.min_length ?? LEVEL_LENGTH[level];
  const rules: PasswordRule[] = [
    {
      message: 'At least %d characters in length',
      code: 'lengthAtLeast',
      format: [length],
      verified: [...password].length >= length,
    },
  ];
  if (level === 'fair') {
    rules.push(typesRule(password, CHARACTER_TYPES.slice(0, 3), 3));
  } else if (level === 'good' || level === 'excellent') {
    rules.push(typesRule(password, CHARACTER_TYPES, 3));
  }
  if (level === 'excellent') {
    rules.push({
      message: 'No more than %d identical characters in a row (e.g., "%s" not allowed)',
      code: 'identicalChars',
      format: [2],
      verified: !/(.)\1\1/su.test(password),
    });
  }
  return { verified: rules.every((r) => r.verified), rules, policy: describe(rules) };
}

/** `contains` (every type, Auth0's "fair") or `containsAtLeast` (3 of the 4 types, "good" and "excellent"). */
function typesRule(password: string, types: readonly (typeof CHARACTER_TYPES)[number][], needed: number): PasswordRule {
  const items = types.map((t) => ({ message: t.message, code: t.code, verified: t.test.test(password) }));
  const verified = items.filter((i) => i.verified).length >= needed;
  if (needed >= types.length) return { message: 'Should contain:', code: 'contains', items, verified };
  return {
    message: 'Contain at least %d of the following %d types of characters:',
    code: 'containsAtLeast',
    format: [needed, types.length],
    items,
    verified,
  };
}

/** The policy as Auth0 words it: one `* ` line per rule, sub-items indented. */
function describe(rules: readonly PasswordRule[]): string {
  const lines: string[] = [];
  for (const rule of rules) {
    lines.push(`* ${ruleText(rule)}`);
    for (const item of rule.items ?? []) lines.push(` * ${item.message}`);
  }
  return lines.join('\n');
}

/** A rule's message with its `%d` placeholders filled in (`At least 8 characters in length`). */
export function ruleText(rule: PasswordRule): string {
  let i = 0;
  return rule.message.replace(/%[ds]/g, (spec) => (spec === '%d' ? String(rule.format?.[i++] ?? '') : '111'));
}
