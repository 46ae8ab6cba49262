// Must run before oidc-provider is evaluated (see the module).
import './quiet-runtime-notice.ts';
import Provider, { type Configuration, errors } from 'oidc-provider';
import type { ActionRunner } from '../actions/types.ts';
import type { TenantSettings } from '../config/types.ts';
import { isLoopbackHost } from '../config/urls.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { SigningKeyRing } from '../tenant/signing-key-ring.ts';
import { createJwtCustomizer } from './access-token.ts';
import { createFindAccount } from './accounts.ts';
import { installIdTokenClaims } from './action-id-token.ts';
import { actionInteractions } from './action-redirect.ts';
import { createAdapterFactory } from './adapter.ts';
import { originAllowedForClient } from './client-cors.ts';
import { createConnectionParam, screenHintParam } from './connection-param.ts';
import { renderErrorPage } from './error-page.ts';
import { createLoadExistingGrant, restoreOfflineAccess } from './grants.ts';
import { logoutSource, postLogoutSuccessSource } from './logout-pages.ts';
import { matchLogoutUrlsAsAuth0 } from './logout-urls.ts';
import { type LoginThrottle, registerPasswordGrants } from './password-grant.ts';
import { createIssueRefreshToken, createRefreshTokenTtl, createRotateRefreshToken } from './refresh-tokens.ts';
import { createDefaultResource, createGetResourceServerInfo } from './resource-servers.ts';
import { allowImplicitCallbacksOnLocalHttp, RESPONSE_TYPES } from './response-types.ts';
import { EXTERNAL_SIGNING_FEATURE, rotatingSigningKeys } from './rotating-signing-keys.ts';
import { LOGIN_PATH, ROUTES } from './routes.ts';
import { SCOPE_CLAIMS } from './scopes.ts';
import { registerTokenExchangeGrant } from './token-exchange.ts';
import { matchCallbacksAsAuth0 } from './wildcard-callbacks.ts';

/** The engine's type for the JWT customizer; ours is stricter about the token parts it reads. */
type JwtCustomizer = NonNullable<NonNullable<Configuration['formats']>['customizers']>['jwt'];

export interface EngineKeys {
  /** The tenant's signing keys as they change (rotation, revocation): see rotating-signing-keys.ts. */
  signing: SigningKeyRing;
  cookies: string[];
}

export interface EngineOptions {
  /** The login page's brute-force counter, shared with the password grants (one count per user and IP). */
  loginThrottle: LoginThrottle;
  /** Runs the tenant's Auth0 Actions (post-login, credentials-exchange); none when absent. */
  actions?: ActionRunner;
}

const DAY = 86_400;

/**
 * Builds the oidc-provider instance with every Auth0 bend configured through documented hooks
 * (docs/engine.md walks through them). This is the only module that constructs the engine.
 */
export function createEngine(tenant: TenantContext, keys: EngineKeys, options: EngineOptions): Provider {
  const { registry, settings } = tenant;
  const configuration: Configuration = {
    adapter: createAdapterFactory(tenant.storage, registry) as unknown as Configuration['adapter'],
    jwks: { keys: rotatingSigningKeys(keys.signing) },
    cookies: {
      keys: keys.cookies,
      long: sessionCookies(tenant.issuer),
      // Interaction cookies are only ever used in top-level navigations (login page, resume): Lax keeps
      // them out of every cross-site POST, a second line of defence for the login form.
      short: { httpOnly: true, sameSite: 'lax', secure: secureCookiesAllowed(tenant.issuer) },
    },
    routes: ROUTES,
    claims: {
      openid: [...SCOPE_CLAIMS.openid],
      profile: [...SCOPE_CLAIMS.profile],
      email: [...SCOPE_CLAIMS.email],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    // Auth0 puts the profile claims into the ID token even when an access token is issued; auth0-spa-js
    // reads the user from the ID token only.
    conformIdTokenClaims: false,
    responseTypes: RESPONSE_TYPES,
    pkce: { required: () => true },
    extraParams: {
      authmesh_offline_access: restoreOfflineAccess,
      connection: createConnectionParam(tenant),
      screen_hint: screenHintParam,
    } as unknown as Configuration['extraParams'],
    extraClientMetadata: { properties: ['web_origins', 'allowed_origins'] },
    clientBasedCORS: (_ctx, origin, client) => originAllowedForClient(tenant, origin, client.clientId),
    findAccount: createFindAccount(tenant) as unknown as Configuration['findAccount'],
    loadExistingGrant: createLoadExistingGrant(
      tenant,
      options.actions,
    ) as unknown as Configuration['loadExistingGrant'],
    issueRefreshToken: createIssueRefreshToken(tenant) as unknown as Configuration['issueRefreshToken'],
    rotateRefreshToken: createRotateRefreshToken(tenant),
    // The login page, or the page a post-login action redirects to (engine/action-redirect.ts).
    interactions: actionInteractions(
      tenant,
      (interaction) => `${LOGIN_PATH}?state=${encodeURIComponent(interaction.uid)}`,
    ) as unknown as Configuration['interactions'],
    renderError: renderErrorPage as unknown as Configuration['renderError'],
    formats: {
      customizers: {
        jwt: createJwtCustomizer(tenant, options.actions) as JwtCustomizer,
      },
    },
    features: {
      devInteractions: { enabled: false },
      externalSigningSupport: EXTERNAL_SIGNING_FEATURE,
      clientCredentials: { enabled: true },
      revocation: {
        enabled: true,
        // A client may revoke only its own tokens; a public client asking for another's is silently ignored
        // (RFC 7009 §2.2), a confidential one is told. The engine's default, stated explicitly.
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      userinfo: { enabled: true },
      introspection: { enabled: false },
      // auth0-spa-js silent authentication: the answer is posted to the parent window (iframe or popup).
      webMessageResponseMode: { enabled: true, ack: 'individual-draft-01' },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: logoutSource as never,
        postLogoutSuccessSource: postLogoutSuccessSource as never,
      },
      // Not part of Auth0's contract here, and the audience translation covers /authorize only.
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: createDefaultResource(tenant) as unknown as never,
        getResourceServerInfo: createGetResourceServerInfo(tenant),
        // Code and refresh exchanges from Auth0 SDKs carry no audience: use the one granted at /authorize.
        useGrantedResource: () => true,
      },
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? DAY,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? DAY,
      AuthorizationCode: 60,
      IdToken: (_ctx, _token, client) => registry.client(client.clientId)?.id_token_lifetime ?? 36_000,
      RefreshToken: createRefreshTokenTtl(tenant) as unknown as number,
      Interaction: 3_600,
      Session: (_ctx, session) => sessionTtl(settings, (session as { iat?: number }).iat),
      // A grant lives as long as what was issued from it can: its refresh tokens, or else the session.
      Grant: (_ctx, grant) =>
        grant.getOIDCScope().split(' ').includes('offline_access') ? 366 * DAY : settings.session_lifetime * 3_600,
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256'],
      // Auth0's list for private_key_jwt assertions; symmetric (client_secret_jwt) is not offered.
      clientAuthSigningAlgValues: ['RS256', 'RS384', 'PS256', 'PS384', 'ES256', 'ES384'],
    },
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
  };
  const provider = new Provider(tenant.issuer, configuration);
  allowImplicitCallbacksOnLocalHttp(provider);
  matchLogoutUrlsAsAuth0(provider);
  matchCallbacksAsAuth0(provider);
  if (secureCookiesAllowed(tenant.issuer)) allowSecureCookiesOnLoopback(provider);
  // The issuer is configured, never derived from Host / X-Forwarded-* headers (RFC 8414 §3.3).
  provider.proxy = false;
  registerPasswordGrants(provider, tenant, options.loginThrottle);
  registerTokenExchangeGrant(provider, tenant, keys.signing);
  if (options.actions) installIdTokenClaims(provider, tenant, options.actions);
  return provider;
}

/**
 * Auth0's SSO session: an absolute lifetime from login (`session_lifetime`, hours) and an idle lifetime
 * (`idle_session_lifetime`, hours) that restarts whenever the session is used; it ends at the earlier.
 * The engine saves a used session on every request, so returning the remaining time makes the idle part slide.
 */
export function sessionTtl(settings: TenantSettings, createdAt: number | undefined): number {
  const now = Math.floor(Date.now() / 1000);
  const remaining = (createdAt ?? now) + settings.session_lifetime * 3_600 - now;
  return Math.max(1, Math.min(remaining, settings.idle_session_lifetime * 3_600));
}

/**
 * Session cookies as Auth0 sets them: `SameSite=None; Secure`, so that silent authentication in an iframe
 * works when the app is on another site and the browser allows third-party cookies (and fails as in
 * production when it does not). Browsers accept `Secure` cookies on https and on http://localhost; on any
 * other http issuer they would drop them, so those get `SameSite=Lax` instead.
 */
export function sessionCookies(issuer: string): { httpOnly: true; sameSite: 'none' | 'lax'; secure: boolean } {
  return secureCookiesAllowed(issuer)
    ? { httpOnly: true, sameSite: 'none', secure: true }
    : { httpOnly: true, sameSite: 'lax', secure: false };
}

function secureCookiesAllowed(issuer: string): boolean {
  const { protocol, hostname } = new URL(issuer);
  return protocol === 'https:' || isLoopbackHost(hostname);
}

/**
 * The cookies library refuses `Secure` cookies on a plain-http connection. Browsers treat
 * http://localhost as a secure context and keep them, so every request context of the engine is told it
 * may set them. Only the cookie jar is affected: Koa's protocol, and so every URL, stays http.
 */
function allowSecureCookiesOnLoopback(provider: Provider): void {
  const app = provider as unknown as { createContext(req: unknown, res: unknown): { cookies: { secure: boolean } } };
  const createContext = app.createContext.bind(app);
  app.createContext = (req, res) => {
    const ctx = createContext(req, res);
    ctx.cookies.secure = true;
    return ctx;
  };
}
