import * as z from 'zod';
import { IssueCollector } from '../config/issues.ts';
import { checkScopesOnApi } from '../config/references.ts';
import { clientGrantSchema } from '../config/schema.ts';
import type { ResourceServerRecord } from '../tenant/records.ts';
import { invalidBody } from './errors.ts';
import { throwFirstIssue, validateBody } from './validation.ts';

/*
 * Bodies of POST and PATCH /client-grants, validated by tenant.yaml's schema: `subject_type: user` makes a
 * user-delegated grant (On-Behalf-Of token exchange), `default_for` is refused with its reason,
 * organization fields are accepted and ignored.
 *
 * Scopes must be scopes of the API (400 naming the first one that is not), as tenant.yaml requires.
 * Auth0 has been seen both refusing and accepting undeclared scopes; refusing is
 * the choice that keeps a grant meaningful, since the token endpoint could never issue an undeclared
 * scope anyway. Tools that create scopes and grants in parallel must create the scope first.
 */

const createSchema = clientGrantSchema.extend({ client_id: z.string().min(1) });
/** Only `scope` (and `allow_all_scopes`) may change: client, audience and subject type are the grant's identity. */
const updateSchema = clientGrantSchema.omit({ client_id: true, audience: true, subject_type: true });

/** Scopes as a body asks for them: a list, or every scope of the API (`allow_all_scopes: true`). */
export type RequestedScopes = string[] | 'all';

export interface ClientGrantCreate {
  client_id: string;
  audience: string;
  scope: RequestedScopes;
  /** `user`: a user-delegated grant; absent: machine-to-machine. */
  subject_type?: 'user';
}

/** The parsed POST body; the handler resolves the client and the audience. */
export function parseClientGrantCreate(body: unknown): ClientGrantCreate {
  const input = validateBody(createSchema, body);
  const scope = scopeOf(input);
  if (scope === undefined) throw invalidBody('Missing required property: scope');
  return {
    client_id: input.client_id,
    audience: input.audience,
    scope,
    ...(input.subject_type === 'user' ? { subject_type: 'user' as const } : {}),
  };
}

/** The scopes a PATCH body asks for; undefined when it changes nothing. */
export function parseClientGrantUpdate(body: unknown): RequestedScopes | undefined {
  return scopeOf(validateBody(updateSchema, body));
}

/**
 * The grant's scopes on `api`, checked against the API's scopes, de-duplicated and sorted as tenant.yaml
 * stores them.
 */
export function grantedScopes(api: ResourceServerRecord, requested: RequestedScopes): string[] {
  if (requested === 'all') {
    if (api.is_system) {
      throw invalidBody('allow_all_scopes is not supported for the Management API', 'allow_all_scopes');
    }
    return api.scopes.map((s) => s.value).sort();
  }
  const issues = new IssueCollector('<request>');
  checkScopesOnApi({ key: api.identifier, path: ['resourceServers'], item: api }, requested, ['scope'], issues);
  throwFirstIssue(issues);
  return [...new Set(requested)].sort();
}

function scopeOf(input: {
  scope?: string[] | undefined;
  allow_all_scopes?: boolean | undefined;
}): RequestedScopes | undefined {
  if (input.allow_all_scopes === true) {
    if (input.scope !== undefined) throw invalidBody('scope must be absent when allow_all_scopes is true', 'scope');
    return 'all';
  }
  return input.scope;
}
