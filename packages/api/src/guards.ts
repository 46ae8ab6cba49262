import type { AuthResult } from './auth-result.ts';
import { BearerError, OptionsError } from './errors.ts';

/**
 * Where a guard looks for a grant:
 * - `scope`: the `scope` claim (what M2M tokens and non-RBAC user tokens carry);
 * - `permissions`: the `permissions` claim (Auth0 RBAC user tokens);
 * - `scope-or-permissions`: either (one API serving both M2M callers and RBAC users, the common case).
 */
export type GrantSource = 'scope' | 'permissions' | 'scope-or-permissions';

export interface GuardOptions {
  /** `all` (default): every listed grant is needed; `any`: one is enough. */
  match?: 'all' | 'any';
  /** Default `scope-or-permissions`. */
  source?: GrantSource;
}

/** A check run on a verified token; throws a `BearerError` (403) when the caller lacks what is needed. */
export type Guard = (auth: AuthResult) => void;

/**
 * Requires scopes. Exact, case-sensitive string matches (`read:msg` is not `read:msgs`), order-insensitive.
 *
 * @example
 * ```ts
 * const canRead = requireScopes(['read:products']);
 * canRead(auth); // throws ERR_INSUFFICIENT_SCOPE (403, scope="read:products") when missing
 * ```
 */
export function requireScopes(required: string | readonly string[], options: GuardOptions = {}): Guard {
  const list = normalise(required);
  const match = options.match ?? 'all';
  const source = options.source ?? 'scope-or-permissions';
  return (auth) => {
    const holds = (grant: string) =>
      (source !== 'permissions' && auth.scopes.has(grant)) || (source !== 'scope' && auth.permissions.has(grant));
    const ok = match === 'all' ? list.every(holds) : list.some(holds);
    if (!ok) {
      throw new BearerError('ERR_INSUFFICIENT_SCOPE', 'Insufficient scope', {
        requiredScopes: match === 'all' ? list.filter((s) => !holds(s)) : list,
      });
    }
  };
}

/** Requires RBAC permissions (the `permissions` claim only). Same matching as {@link requireScopes}. */
export function requirePermissions(
  required: string | readonly string[],
  options: Omit<GuardOptions, 'source'> = {},
): Guard {
  return requireScopes(required, { ...options, source: 'permissions' });
}

/**
 * Any other rule about the token, e.g. `claimCheck((c) => c.org_id === 'org_1', 'Wrong organization')`.
 * The description is sent to the caller: keep it free of secrets.
 */
export function claimCheck(
  check: (claims: AuthResult['claims'], auth: AuthResult) => boolean,
  description = 'Unexpected claim value',
): Guard {
  return (auth) => {
    if (!check(auth.claims, auth)) throw new BearerError('ERR_CLAIM_CHECK_FAILED', description);
  };
}

function normalise(required: string | readonly string[]): string[] {
  const list = typeof required === 'string' ? required.split(' ') : [...required];
  const clean = [...new Set(list.filter((s) => s.length > 0))];
  if (clean.length === 0)
    throw new OptionsError('a guard needs at least one scope or permission, e.g. requireScopes(["read:products"])');
  return clean;
}
