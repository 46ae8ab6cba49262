import { errors, type Grant, type KoaContextWithOIDC } from 'oidc-provider';
import { namespacedClaims } from '../actions/claims.ts';
import { AccessDeniedByAction } from '../actions/errors.ts';
import { eventClient, eventConnection, eventTenant, eventUser, roleNames } from '../actions/events.ts';
import type { ActionRunner, LoginProtocol, PostLoginResult, PostLoginResume } from '../actions/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import { recordLogin } from '../tenant/login-stats.ts';
import type { UserRecord } from '../tenant/records.ts';
import { accountUser } from './accounts.ts';
import { type ContinueResult, pausedLogin } from './action-redirect.ts';
import { actionRequest } from './action-request.ts';
import { resourceToAudience } from './audience.ts';
import { PASSWORD_GRANT, PASSWORD_REALM_GRANT } from './password-grant.ts';
import { requestState } from './request-state.ts';
import { splitScope } from './scopes.ts';
import { TOKEN_EXCHANGE_GRANT } from './token-exchange.ts';

/*
 * Where the engine runs Auth0's post-login actions: once the user is authenticated, before the application
 * gets its code (interactive and silent logins alike), and again on every refresh-token exchange
 * (`event.transaction.protocol = 'oauth2-refresh-token'`) and password grant. What a login's actions set
 * is kept with the authorization (the `ActionResult` model, keyed by the grant id, living as long as the
 * code) and applied when tokens are minted from it.
 * https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger
 */

/** The model that carries a login's post-login result from /authorize to the code exchange. */
const RESULT_MODEL = 'ActionResult';
/** As long as an authorization code lives (engine/provider.ts `ttl.AuthorizationCode`). */
const RESULT_TTL_SECONDS = 60;
/**
 * Runs post-login for one authenticated user; throws the engine's AccessDenied when an action ends the login.
 * `loginsCount` is the count this login recorded (tenant/login-stats.ts); without it, the user's stored one.
 */
async function runPostLogin(
  ctx: KoaContextWithOIDC,
  tenant: TenantContext,
  actions: ActionRunner,
  user: UserRecord,
  protocol: LoginProtocol,
  scopes: string[],
  audience: string | undefined,
  resume?: { pause: PostLoginResume; back: ContinueResult },
  loginsCount?: number,
): Promise<PostLoginResult> {
  const client = ctx.oidc.client ? tenant.registry.client(ctx.oidc.client.clientId) : undefined;
  if (!client) throw new Error('post-login actions need a client');
  const request = actionRequest(ctx);
  const params = ctx.oidc.params ?? {};
  const actor = protocol === 'oauth2-token-exchange' ? requestState(ctx).actor : undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  try {
    return await actions.postLogin(
      {
        user: eventUser(user, tenant.registry),
        client: eventClient(client),
        connection: eventConnection(user, tenant.registry),
        // onContinuePostLogin sees the request that came back to /continue (its query holds session tokens).
        request: resume ? { ...request, method: 'GET', query: resume.back.query, body: resume.back.body } : request,
        ...(audience ? { resource_server: { identifier: audience } } : {}),
        authorization: { roles: roleNames(user, tenant.registry) },
        stats: { logins_count: loginsCount ?? user.logins_count ?? 0 },
        transaction: {
          protocol,
          requested_scopes: scopes,
          ...(str(params.redirect_uri) ? { redirect_uri: str(params.redirect_uri) } : {}),
          ...(str(params.response_type) ? { response_type: splitScope(str(params.response_type) ?? '') } : {}),
          ...(str(params.response_mode) ? { response_mode: str(params.response_mode) } : {}),
          ...(str(params.state) ? { state: str(params.state) } : {}),
          ...(str(params.prompt) ? { prompt: splitScope(str(params.prompt) ?? '') } : {}),
          ui_locales: splitScope(str(params.ui_locales) ?? ''),
          locale: splitScope(str(params.ui_locales) ?? '')[0] ?? 'en',
          acr_values: splitScope(str(params.acr_values) ?? ''),
          ...(actor === undefined ? {} : { actor }),
          metadata: {},
        },
        // Auth0's method names: `pwd` for a database password, `federated` for a social or enterprise login.
        authentication: {
          methods: [{ name: user.provider === undefined ? 'pwd' : 'federated', timestamp: new Date().toISOString() }],
        },
        ...(ctx.oidc.session?.uid ? { session: { id: ctx.oidc.session.uid } } : {}),
        tenant: eventTenant(tenant.settings.friendly_name),
      },
      resume?.pause,
    );
  } catch (error) {
    if (error instanceof AccessDeniedByAction) {
      // The application gets `error=access_denied&error_description=<reason>`, as from Auth0.
      const refusal =
        error.oauthError === 'interaction_required'
          ? new errors.InteractionRequired(error.reason)
          : new errors.AccessDenied(error.reason);
      refusal.cause = error;
      throw refusal;
    }
    throw error;
  }
}

/**
 * Called by `loadExistingGrant` once the user is authenticated and the grant is saved: records the login
 * (with or without actions), runs post-login and keeps its result with the grant until the code is
 * exchanged. A request that will send the user to the login page first (`prompt=login` before the login)
 * is skipped: the login, and post-login, come after that page.
 */
export async function runPostLoginAtAuthorize(
  ctx: KoaContextWithOIDC,
  tenant: TenantContext,
  actions: ActionRunner | undefined,
  grant: Grant,
): Promise<void> {
  if (ctx.oidc.prompts.has('login') && ctx.oidc.result?.login === undefined) return;
  const user = accountUser(ctx.oidc.entities.Account);
  if (!user) return;
  const bound = actions?.has('post-login') === true;
  // A login resumed after an action's redirect was counted when it started.
  const resume = bound ? await pausedLogin(ctx, tenant) : undefined;
  const loginsCount = resume ? undefined : await recordLogin(tenant, user.user_id, ctx.ip);
  if (!actions || !bound || !grant.jti) return;
  const params = ctx.oidc.params ?? {};
  const responseType = typeof params.response_type === 'string' ? params.response_type : 'code';
  const protocol = responseType.includes('code') ? 'oidc-basic-profile' : 'oidc-implicit-profile';
  const scopes = typeof params.scope === 'string' ? splitScope(params.scope) : [];
  const resource = [params.resource].flat()[0];
  const audience = typeof resource === 'string' ? resourceToAudience(resource) : undefined;
  const result = await runPostLogin(ctx, tenant, actions, user, protocol, scopes, audience, resume, loginsCount);
  if (result.redirect) {
    // The `action` prompt (actionInteractions) sends the browser there; the code waits for /continue.
    requestState(ctx).actionRedirect = { url: result.redirect.url, pause: { action: result.redirect.action, result } };
    return;
  }
  await tenant.storage.model(RESULT_MODEL).upsert(grant.jti, { ...result }, RESULT_TTL_SECONDS);
  // An ID token issued by /authorize itself (implicit and hybrid flows) gets the claims at once.
  requestState(ctx).postLogin = Promise.resolve(result);
}

/**
 * The post-login result that applies to the tokens this request mints: on a code exchange, the one kept
 * at /authorize; on a refresh-token exchange, a new run with `protocol: 'oauth2-refresh-token'`. Computed
 * once per request (the access-token customizer and the ID token both ask).
 */
export function postLoginForTokens(
  ctx: KoaContextWithOIDC,
  tenant: TenantContext,
  actions: ActionRunner,
): Promise<PostLoginResult | undefined> {
  const state = requestState(ctx);
  state.postLogin ??= (async () => {
    if (!actions.has('post-login')) return undefined;
    const { AuthorizationCode, RefreshToken } = ctx.oidc.entities;
    const grantType = ctx.oidc.params?.grant_type;
    const ownGrant =
      grantType === PASSWORD_GRANT || grantType === PASSWORD_REALM_GRANT || grantType === TOKEN_EXCHANGE_GRANT;
    if (ownGrant) {
      // Auth0 runs post-login for the password grants (`oauth2-password`) and for the On-Behalf-Of token
      // exchange (`oauth2-token-exchange`, with the actor chain) too.
      const user = accountUser(ctx.oidc.entities.Account);
      if (!user) return undefined;
      const token = ctx.oidc.entities.AccessToken as
        | { resource?: string | string[]; resourceServer?: { audience?: unknown } }
        | undefined;
      const first = [token?.resource].flat()[0];
      const named = token?.resourceServer?.audience;
      // The engine keeps the audience on the token's resource server; `resource` is not always retained.
      const audience =
        typeof named === 'string' ? named : typeof first === 'string' ? resourceToAudience(first) : undefined;
      const scopes = [...(requestState(ctx).grantedScope ?? [])];
      const protocol = grantType === TOKEN_EXCHANGE_GRANT ? 'oauth2-token-exchange' : 'oauth2-password';
      return runPostLogin(ctx, tenant, actions, user, protocol, scopes, audience);
    }
    if (grantType === 'refresh_token' && RefreshToken) {
      const user = accountUser(ctx.oidc.entities.Account);
      if (!user) return undefined;
      const scopes = typeof RefreshToken.scope === 'string' ? splitScope(RefreshToken.scope) : [];
      const resource = (RefreshToken as { resource?: string | string[] }).resource;
      const first = [resource].flat()[0];
      const audience = typeof first === 'string' ? resourceToAudience(first) : undefined;
      return runPostLogin(ctx, tenant, actions, user, 'oauth2-refresh-token', scopes, audience);
    }
    const grantId = AuthorizationCode?.grantId;
    if (!grantId) return undefined;
    return (await tenant.storage.model(RESULT_MODEL).find(grantId)) as PostLoginResult | undefined;
  })();
  return state.postLogin;
}

/**
 * Applies the actions' access-token changes to a user access token's JWT payload. A token for one of
 * Auth0's own APIs (the Management API) gets only the namespaced custom claims, as at Auth0.
 */
export function applyAccessTokenChanges(
  payload: Record<string, unknown>,
  result: PostLoginResult,
  auth0Api: boolean,
): void {
  Object.assign(payload, auth0Api ? namespacedClaims(result.accessTokenClaims) : result.accessTokenClaims);
  if (result.scopeChanges.length === 0) return;
  const scopes = typeof payload.scope === 'string' ? splitScope(payload.scope) : [];
  for (const change of result.scopeChanges) {
    const at = scopes.indexOf(change.scope);
    if (change.op === 'add' && at === -1) scopes.push(change.scope);
    if (change.op === 'remove' && at !== -1) scopes.splice(at, 1);
  }
  payload.scope = scopes.join(' ') || undefined;
}
