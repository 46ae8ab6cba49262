import { invalidBody } from './errors.ts';

/*
 * Read-only fields in request bodies, in one place.
 *
 * 1. Fields that Auth0 returns and exports contain but that a client cannot set, and that authmesh does
 *    not use: clients' `global`, `tenant`, `callback_url_template`, `signing_keys`, `cross_origin_auth`,
 *    `jwt_configuration.secret_encoded`…, resource servers' `id`, `client_id`, `token_lifetime_for_web`…,
 *    client grants' `id`, `is_system`…. The body schemas are tenant.yaml's, so these are the lists in
 *    ../config/auth0-fields.ts (`IGNORED_*_FIELDS`): accepted and ignored, exactly as in a tenant file. A
 *    Deploy CLI import of an exported tenant, or an SDK sending back what it read, therefore works.
 * 2. The identity fields below, which the server assigns or which never change: on a create they are
 *    ignored (Auth0 assigns `client_id`), on an update they are accepted only when they repeat the stored
 *    value and refused otherwise (privileged fields are never silently rewritten: docs/security.md, "Management API").
 */

/** `client_id` of a client: assigned at creation. */
export const CLIENT_ID_FIELD = 'client_id';

/** `identifier` of a resource server (the audience): immutable, as in Auth0. */
export const IDENTIFIER_FIELD = 'identifier';

/** Throws 400 when `body[field]` is present and differs from `stored`. */
export function checkUnchanged(body: Readonly<Record<string, unknown>>, field: string, stored: string): void {
  const sent = body[field];
  if (sent === undefined || sent === stored) return;
  throw invalidBody(`${field} cannot be changed`, field);
}

/** A copy of `body` without `field`: for identity fields that are ignored on creation. */
export function without<T extends object>(body: T, field: string): T {
  const { [field]: _ignored, ...rest } = body as Record<string, unknown>;
  return rest as T;
}
