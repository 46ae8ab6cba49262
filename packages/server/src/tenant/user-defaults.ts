import { createHash } from 'node:crypto';

/*
 * The values a user gets when tenant.yaml (or an import) leaves them out: used by seeding, and by exports,
 * which leave derived values out again (and by import plans, to compare like with like).
 */

/** `name` defaults to the e-mail address. */
export function defaultName(email: string): string {
  return email;
}

/** `nickname` defaults to the e-mail's local part. */
export function defaultNickname(email: string): string {
  return email.split('@')[0] ?? email;
}

/** `picture` defaults to an offline placeholder URL in Auth0's shape. */
export function defaultPicture(email: string): string {
  const digest = createHash('md5').update(email.trim().toLowerCase()).digest('hex');
  return `https://s.gravatar.com/avatar/${digest}?s=480&r=pg&d=identicon`;
}
