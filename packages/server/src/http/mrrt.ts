import type { Context } from 'koa';
import { audienceToResource } from '../engine/audience.ts';
import { requestState } from '../engine/request-state.ts';
import type { TenantRegistry } from '../tenant/registry.ts';

/**
 * Auth0 Multi-Resource Refresh Tokens, at /authorize: when a client with `refresh_token.policies` asks
 * for `offline_access`, the audiences and scopes of its policies are authorized along with the requested
 * one, so that one refresh token can later mint access tokens for each of them (the engine only lets a
 * refresh token serve resources that were in the original authorization, RFC 8707).
 * The requested audience stays first: it is the one the code exchange's access token is for.
 */
export function expandAuthorizationForMrrt(params: URLSearchParams, registry: TenantRegistry): void {
  const client = registry.client(params.get('client_id') ?? '');
  const policies = client?.refresh_token.policies ?? [];
  const scopes = (params.get('scope') ?? '').split(' ').filter(Boolean);
  if (!client || policies.length === 0 || !scopes.includes('offline_access')) return;
  if (!client.grant_types.includes('refresh_token') || params.getAll('resource').length !== 1) return;
  const primary = params.get('resource');
  const added = new Set(scopes);
  for (const policy of policies) {
    // Auth0 silently ignores policies for APIs that do not exist.
    if (!registry.resourceServer(policy.audience)) continue;
    const resource = audienceToResource(policy.audience);
    if (resource !== primary) params.append('resource', resource);
    for (const scope of policy.scope) added.add(scope);
  }
  params.set('scope', [...added].join(' '));
}

/**
 * Auth0 MRRT at the token endpoint: a refresh request naming an `audience` gets that API's policy scopes,
 * narrowed to the `scope` it sends, and scopes it is not allowed are dropped silently, not refused. The
 * engine would refuse any requested scope the refresh token lacks, so the request's scope is taken out
 * here and applied in `getResourceServerInfo`.
 */
export function holdRefreshScope(ctx: Context, params: URLSearchParams): void {
  if (params.get('grant_type') !== 'refresh_token' || !params.has('resource') || !params.has('scope')) return;
  requestState(ctx).refreshScope = (params.get('scope') ?? '').split(' ').filter(Boolean);
  params.delete('scope');
}
