import type Provider from 'oidc-provider';
import { errors, type Grant, type Interaction, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { AccessDeniedByAction } from '../actions/errors.ts';
import { eventClient, eventConnection, eventTenant, eventUser, roleNames } from '../actions/events.ts';
import type { ActionRequest, ActionRunner, LoginProtocol, PostLoginResult, PostLoginResume } from '../actions/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { UserRecord } from '../tenant/records.ts';
import { accountUser } from './accounts.ts';
import { resourceToAudience } from './audience.ts';
import { PASSWORD_GRANT, PASSWORD_REALM_GRANT } from './password-grant.ts';
import { requestState } from './request-state.ts';
import { splitScope } from './scopes.ts';

/*
 * Where the engine runs Auth0 Actions. Auth0 runs post-login once the user is authenticated, before the
 * application gets its code (interactive and silent logins alike), and again on every refresh-token
 * exchange (`event.transaction.protocol = 'oauth2-refresh-token'`); credentials-exchange runs before an
 * M2M access token is issued. What a login's actions set is kept with the authorization (the `ActionResult`
 * model, keyed by the grant id, living as long as the code) and applied when tokens are minted from it.
 * https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger
 */

/** The model that carries a login's post-login result from /authorize to the code exchange. */
const RESULT_MODEL = 'ActionResult';
/** As long as an authorization code lives (engine/provider.ts `ttl.AuthorizationCode`). */
const RESULT_TTL_SECONDS = 60;
/** The model that holds a login paused by `api.redirect.sendUserTo`, keyed by the interaction uid. */
const PAUSE_MODEL = 'ActionPause';
/** The interaction result key /continue sets (http/continue.ts) for the resumed authorization to find. */
export const CONTINUE_RESULT_KEY = 'authmesh_continue';
/** What /continue records: the paused interaction and the query and body the browser came back with. */
export interface ContinueResult {
  uid: string;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
}
/** Where a user's login count lives (Auth0's `event.stats.logins_count`). */
const loginsKey = (userId: string) => `stats:logins:${userId}`;

/** `event.request` from the engine's request. */
function actionRequest(ctx: KoaContextWithOIDC): ActionRequest {
  const language = ctx.get('accept-language').split(',')[0]?.split(';')[0]?.trim();
  const body = ctx.oidc.body as Record<string, unknown> | undefined;
  return {
    ip: ctx.ip,
    hostname: ctx.hostname,
    ...(ctx.get('user-agent') ? { user_agent: ctx.get('user-agent') } : {}),
    method: ctx.method,
    query: requestQuery(ctx),
    // Auth0 never shows secrets of the token request to an action.
    body: body ? Object.fromEntries(Object.entries(body).filter(([k]) => !SECRET_FIELDS.has(k))) : {},
    geoip: {},
    ...(language ? { language } : {}),
  };
}

/**
 * Auth0's `event.request.query` at a login is the authorization request's parameters as the application sent
 * them, also when the engine resumes it after the login page (`/authorize/:uid`, whose own query is empty).
 */
function requestQuery(ctx: KoaContextWithOIDC): Record<string, unknown> {
  if (ctx.oidc.route !== 'authorization' && ctx.oidc.route !== 'resume') return { ...ctx.query };
  const params = (ctx.oidc.params ?? {}) as Record<string, unknown>;
  const query = Object.fromEntries(
    Object.entries(params).filter(([k, v]) => v !== undefined && k !== 'resource' && !k.startsWith('authmesh_')),
  );
  // The application sent Auth0's `audience`; the Auth0 layer handed it to the engine as `resource`.
  const first = [params.resource].flat()[0];
  const audience = typeof first === 'string' ? resourceToAudience(first) : undefined;
  return audience === undefined ? query : { ...query, audience };
}

const SECRET_FIELDS = new Set([
  'client_secret',
  'password',
  'refresh_token',
  'code',
  'code_verifier',
  'client_assertion',
]);

/** Runs post-login for one authenticated user; throws the engine's AccessDenied when an action ends the login. */
async function runPostLogin(
  ctx: KoaContextWithOIDC,
  tenant: TenantContext,
  actions: ActionRunner,
  user: UserRecord,
  protocol: LoginProtocol,
  scopes: string[],
  audience: string | undefined,
  resume?: { pause: PostLoginResume; back: ContinueResult },
): Promise<PostLoginResult> {
  const client = ctx.oidc.client ? tenant.registry.client(ctx.oidc.client.clientId) : undefined;
  if (!client) throw new Error('post-login actions need a client');
  // One login counts once: not again on a refresh, nor when a redirected login continues.
  const count = protocol === 'oauth2-refresh-token' || resume ? undefined : await countLogin(tenant, user.user_id);
  const request = actionRequest(ctx);
  const params = ctx.oidc.params ?? {};
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
        stats: { logins_count: count ?? (await tenant.storage.getState<number>(loginsKey(user.user_id))) ?? 0 },
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
          metadata: {},
        },
        authentication: { methods: [{ name: 'pwd', timestamp: new Date().toISOString() }] },
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

async function countLogin(tenant: TenantContext, userId: string): Promise<number> {
  const next = ((await tenant.storage.getState<number>(loginsKey(userId))) ?? 0) + 1;
  await tenant.storage.setState(loginsKey(userId), next);
  return next;
}

/**
 * Called by `loadExistingGrant` once the user is authenticated and the grant is saved: runs post-login
 * and keeps its result with the grant until the code is exchanged. A request that will send the user to
 * the login page first (`prompt=login` before the login) is skipped: post-login runs after that login.
 */
export async function runPostLoginAtAuthorize(
  ctx: KoaContextWithOIDC,
  tenant: TenantContext,
  actions: ActionRunner,
  grant: Grant,
): Promise<void> {
  if (!actions.has('post-login')) return;
  if (ctx.oidc.prompts.has('login') && ctx.oidc.result?.login === undefined) return;
  const user = accountUser(ctx.oidc.entities.Account);
  if (!user || !grant.jti) return;
  const params = ctx.oidc.params ?? {};
  const responseType = typeof params.response_type === 'string' ? params.response_type : 'code';
  const protocol = responseType.includes('code') ? 'oidc-basic-profile' : 'oidc-implicit-profile';
  const scopes = typeof params.scope === 'string' ? splitScope(params.scope) : [];
  const resource = [params.resource].flat()[0];
  const audience = typeof resource === 'string' ? resourceToAudience(resource) : undefined;
  const resume = await pausedLogin(ctx, tenant);
  const result = await runPostLogin(ctx, tenant, actions, user, protocol, scopes, audience, resume);
  if (result.redirect) {
    // The `action` prompt (actionInteractions) sends the browser there; the code waits for /continue.
    requestState(ctx).actionRedirect = { url: result.redirect.url, pause: { action: result.redirect.action, result } };
    return;
  }
  await tenant.storage.model(RESULT_MODEL).upsert(grant.jti, { ...result }, RESULT_TTL_SECONDS);
  // An ID token issued by /authorize itself (implicit and hybrid flows) gets the claims at once.
  requestState(ctx).postLogin = Promise.resolve(result);
}

/** The login paused by a redirect that this request resumes (after /continue), once: a replay finds none. */
async function pausedLogin(
  ctx: KoaContextWithOIDC,
  tenant: TenantContext,
): Promise<{ pause: PostLoginResume; back: ContinueResult } | undefined> {
  const back = (ctx.oidc.result as Record<string, unknown> | undefined)?.[CONTINUE_RESULT_KEY] as
    | ContinueResult
    | undefined;
  if (!back) return undefined;
  const store = tenant.storage.model(PAUSE_MODEL);
  const pause = (await store.find(back.uid)) as PostLoginResume | undefined;
  if (!pause || !(await store.consume(back.uid))) {
    throw new errors.AccessDenied('The login that redirected was already continued or has expired.');
  }
  return { pause, back };
}

/**
 * Auth0's `api.redirect.sendUserTo` as an engine interaction: a prompt whose check holds when this
 * request's post-login paused on a redirect (`prompt=none` then fails with `interaction_required`, as
 * Auth0 v3), and an interaction URL that is the action's page with Auth0's `state` (the interaction uid)
 * added. The paused progress is kept under that uid until /continue (http/continue.ts) resumes it.
 * https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/redirect-with-actions
 */
export function actionInteractions(
  tenant: TenantContext,
  loginUrl: (interaction: Interaction) => string,
): { policy: interactionPolicy.Prompt[]; url: (ctx: KoaContextWithOIDC, interaction: Interaction) => Promise<string> } {
  const policy = interactionPolicy.base();
  policy.add(
    new interactionPolicy.Prompt(
      { name: 'action', requestable: false },
      new interactionPolicy.Check(
        'action_redirect',
        'an action sent the user to another page',
        'interaction_required',
        (ctx) => requestState(ctx).actionRedirect !== undefined,
      ),
    ),
  );
  return {
    policy,
    async url(ctx, interaction) {
      const redirect = requestState(ctx).actionRedirect;
      if (!redirect) return loginUrl(interaction);
      await tenant.storage.model(PAUSE_MODEL).upsert(interaction.uid, { ...redirect.pause }, PAUSE_TTL_SECONDS);
      const target = new URL(redirect.url);
      target.searchParams.set('state', interaction.uid);
      return target.href;
    },
  };
}

/** As long as the engine's interaction (engine/provider.ts `ttl.Interaction`). */
const PAUSE_TTL_SECONDS = 3_600;

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
    if (grantType === PASSWORD_GRANT || grantType === PASSWORD_REALM_GRANT) {
      // Auth0 runs post-login for the password grants too, with protocol `oauth2-password`.
      const user = accountUser(ctx.oidc.entities.Account);
      if (!user) return undefined;
      const resource = (ctx.oidc.entities.AccessToken as { resource?: string | string[] } | undefined)?.resource;
      const first = [resource].flat()[0];
      const audience = typeof first === 'string' ? resourceToAudience(first) : undefined;
      const scopes = [...(requestState(ctx).grantedScope ?? [])];
      return runPostLogin(ctx, tenant, actions, user, 'oauth2-password', scopes, audience);
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

/** Applies the actions' access-token changes to a user access token's JWT payload. */
export function applyAccessTokenChanges(payload: Record<string, unknown>, result: PostLoginResult): void {
  Object.assign(payload, result.accessTokenClaims);
  if (result.scopeChanges.length === 0) return;
  const scopes = typeof payload.scope === 'string' ? splitScope(payload.scope) : [];
  for (const change of result.scopeChanges) {
    const at = scopes.indexOf(change.scope);
    if (change.op === 'add' && at === -1) scopes.push(change.scope);
    if (change.op === 'remove' && at !== -1) scopes.splice(at, 1);
  }
  payload.scope = scopes.join(' ') || undefined;
}

/**
 * Runs credentials-exchange for an M2M token about to be issued and returns the claims to add. A deny
 * becomes the engine error whose class matches Auth0's OAuth code; http/auth0-token-errors.ts answers it.
 */
export async function runCredentialsExchange(
  ctx: KoaContextWithOIDC,
  tenant: TenantContext,
  actions: ActionRunner,
  audience: string,
  scopes: string[],
): Promise<Record<string, unknown>> {
  if (!actions.has('credentials-exchange')) return {};
  const client = ctx.oidc.client ? tenant.registry.client(ctx.oidc.client.clientId) : undefined;
  if (!client) return {};
  const requested = typeof ctx.oidc.params?.scope === 'string' ? splitScope(ctx.oidc.params.scope) : [];
  try {
    const result = await actions.credentialsExchange({
      client: eventClient(client),
      resource_server: { id: audience },
      request: actionRequest(ctx),
      transaction: { requested_scopes: requested },
      accessToken: { scope: scopes },
      tenant: eventTenant(tenant.settings.friendly_name),
    });
    return result.accessTokenClaims;
  } catch (error) {
    if (!(error instanceof AccessDeniedByAction)) throw error;
    // The OAuth code the action chose travels as the cause; http/auth0-token-errors.ts answers with it.
    const refusal = new errors.AccessDenied(error.reason);
    refusal.cause = error;
    throw refusal;
  }
}

/**
 * ID tokens get the post-login actions' `api.idToken.setCustomClaim` claims. The engine filters an ID
 * token's claims by the scopes' claim lists, which a custom claim is never on; what it adds unfiltered is
 * the token's `set(key, value)` extras (how it adds `nonce` and `sid`), so the claims are set there, just
 * before an ID token (`use: 'idtoken'`, not userinfo or logout tokens) is issued.
 */
export function installIdTokenClaims(provider: Provider, tenant: TenantContext, actions: ActionRunner): void {
  type IdTokenInstance = { ctx?: KoaContextWithOIDC; set(key: string, value: unknown): void };
  const IdToken = provider.IdToken as unknown as {
    prototype: { issue(this: IdTokenInstance, options?: { use?: string }): Promise<string> };
  };
  const issue = IdToken.prototype.issue;
  IdToken.prototype.issue = async function issueWithActionClaims(this: IdTokenInstance, options) {
    if (options?.use === 'idtoken' && this.ctx && actions.has('post-login')) {
      const result = await postLoginForTokens(this.ctx, tenant, actions);
      for (const [name, value] of Object.entries(result?.idTokenClaims ?? {})) this.set(name, value);
    }
    return issue.call(this, options);
  };
}
