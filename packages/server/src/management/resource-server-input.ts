import { clientIdCollision, reservedIdentifierProblem } from '../config/identifier-collisions.ts';
import { IssueCollector } from '../config/issues.ts';
import { normalizeResourceServer } from '../config/resource-servers.ts';
import { type RawResourceServer, resourceServerSchema } from '../config/schema.ts';
import type { ResourceServer } from '../config/types.ts';
import type { ResourceServerRecord } from '../tenant/records.ts';
import { invalidBody } from './errors.ts';
import { checkUnchanged, IDENTIFIER_FIELD } from './read-only-fields.ts';
import { throwFirstIssue, validateBody } from './validation.ts';

/*
 * Bodies of POST and PATCH /resource-servers, validated by tenant.yaml's schema and rules (identifier
 * length, scopes without spaces or duplicates, RS256 only, the Management API name and identifier
 * reserved, `*_authz` dialects only with RBAC) and completed with its defaults.
 */

/** Auth0 requires only `identifier`; `name` then defaults to it. */
const createSchema = resourceServerSchema.extend({ name: resourceServerSchema.shape.name.optional() });
const updateSchema = resourceServerSchema.partial();

/** The API a POST body describes, with tenant.yaml's defaults; throws 400 naming the offending field. */
export function resourceServerToCreate(body: unknown): ResourceServer {
  const input = validateBody(createSchema, body);
  return normalize({ ...input, name: input.name ?? input.identifier });
}

/**
 * Throws 400 when `identifier` is one of the tenant's own (`<issuer>userinfo`, `<issuer>api/v2/`) or a
 * client id: tokens meant for those would be accepted by the new API (see ../config/identifier-collisions.ts).
 * An identifier cannot change after creation, so this runs on POST only.
 */
export function checkIdentifierUnshared(identifier: string, issuer: string, isClientId: (id: string) => boolean): void {
  const problem =
    reservedIdentifierProblem(identifier, issuer) ??
    (isClientId(identifier) ? clientIdCollision(identifier) : undefined);
  if (problem !== undefined) throw invalidBody(problem, 'identifier');
}

/**
 * `stored` with the top-level fields of a PATCH body replaced (Auth0 replaces `scopes` wholesale), checked
 * again as a whole. `identifier` may only repeat the stored one.
 */
export function resourceServerToUpdate(stored: ResourceServerRecord, body: unknown): ResourceServer {
  const input = validateBody(updateSchema, body);
  checkUnchanged(input, IDENTIFIER_FIELD, stored.identifier);
  const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  return normalize({ ...toRaw(stored), ...defined, identifier: stored.identifier });
}

function normalize(raw: RawResourceServer): ResourceServer {
  // Strict: what a tenant file keeps with a warning (an HS256 signing_alg) is refused over the API.
  const issues = new IssueCollector('<request>', undefined, { strict: true });
  const api = normalizeResourceServer(raw, [], issues);
  throwFirstIssue(issues);
  return api;
}

function toRaw(stored: ResourceServerRecord): RawResourceServer {
  return {
    name: stored.name,
    identifier: stored.identifier,
    scopes: stored.scopes,
    token_lifetime: stored.token_lifetime,
    enforce_policies: stored.enforce_policies,
    token_dialect: stored.token_dialect,
    allow_offline_access: stored.allow_offline_access,
    signing_alg: stored.signing_alg,
    skip_consent_for_verifiable_first_party_clients: stored.skip_consent_for_verifiable_first_party_clients,
  };
}
