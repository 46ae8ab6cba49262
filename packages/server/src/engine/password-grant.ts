import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { databaseFor, isDatabase } from '../tenant/connections.ts';
import type { TenantContext } from '../tenant/context.ts';
import { authenticateDatabaseUser } from '../tenant/database-users.ts';
import { recordLogin } from '../tenant/login-stats.ts';
import { isPasswordHashingBusy, PASSWORD_HASHING_RETRY_AFTER_S } from '../tenant/password-pool.ts';
import type { ConnectionRecord } from '../tenant/records.ts';
import { createFindAccount } from './accounts.ts';
import { resourceToAudience } from './audience.ts';
import { requestState } from './request-state.ts';
import { createDefaultResource, createGetResourceServerInfo } from './resource-servers.ts';
import { OIDC_SCOPES, splitScope } from './scopes.ts';

/** Auth0's Resource Owner Password grants: plain, and with a `realm` naming the connection. */
export const PASSWORD_GRANT = 'password';
export const PASSWORD_REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm';

/** The brute-force counter the login page also uses (http/failure-throttle.ts), seen from the engine. */
export interface LoginThrottle {
  check(
    identifier: string,
    ip: string,
  ): Promise<{ allowed: true } | { allowed: false; reason: string; retryAfterS: number }>;
  recordFailure(identifier: string, ip: string): Promise<void>;
  recordSuccess(identifier: string, ip: string): Promise<void>;
}

/**
 * Registers both password grants through oidc-provider's documented `registerGrantType`. The engine has
 * already authenticated the client and checked that the grant is in its `grant_types` (Auth0's 403
 * `unauthorized_client` "Grant type '…' not allowed for the client." otherwise, http/auth0-token-errors.ts).
 * What Auth0's Authentication API ("Resource Owner Password Flow", POST /oauth/token) refuses, refused here:
 * - `password` without the tenant's Default Directory: 500 `server_error` "Authorization server not
 *   configured with default connection.";
 * - `password-realm` without `realm`: 400 `invalid_request`; a realm that is no database connection, or one
 *   not enabled for the client: 400 `invalid_request` ("the connection is not enabled", as at /authorize);
 * - wrong e-mail/username or password, or a blocked user: 403 `invalid_grant` "Wrong email or password.";
 * - too many failures for (user, IP) with `brute_force_protection`: 429 `too_many_attempts`.
 * And one answer of authmesh's own: more password checks waiting than the tenant queues (password-pool.ts):
 * 503 `temporarily_unavailable` with `Retry-After` (RFC 6749 §4.1.2.1's code for an overloaded server).
 * With no `scope`, Auth0 grants every scope of the audience (narrowed to the user's permissions under RBAC).
 */
export function registerPasswordGrants(provider: Provider, tenant: TenantContext, throttle: LoginThrottle): void {
  const handler = createPasswordGrantHandler(provider, tenant, throttle);
  const parameters = ['username', 'password', 'realm', 'scope', 'resource'];
  provider.registerGrantType(PASSWORD_GRANT, handler, parameters);
  provider.registerGrantType(PASSWORD_REALM_GRANT, handler, parameters);
}

function createPasswordGrantHandler(provider: Provider, tenant: TenantContext, throttle: LoginThrottle) {
  const findAccount = createFindAccount(tenant);
  const defaultResource = createDefaultResource(tenant);
  const resourceServerInfo = createGetResourceServerInfo(tenant);

  return async function passwordGrant(ctx: KoaContextWithOIDC): Promise<void> {
    const { params } = ctx.oidc;
    const client = ctx.oidc.client;
    if (!params || !client) throw new errors.InvalidRequest('missing client');
    const username = typeof params.username === 'string' ? params.username : '';
    const password = typeof params.password === 'string' ? params.password : '';
    if (username === '') throw new errors.InvalidRequest('Missing required parameter: username');
    if (password === '') throw new errors.InvalidRequest('Missing required parameter: password');

    const connection = connectionOf(tenant, client.clientId, params.grant_type, params.realm);
    const ip = ctx.ip || 'unknown';
    const identifier = username.trim().toLowerCase();
    const guarded = connection.database?.brute_force_protection !== false;
    if (guarded) {
      const verdict = await throttle.check(identifier, ip);
      if (!verdict.allowed) {
        throw tooManyAttempts(
          verdict.reason === 'blocked'
            ? 'Your account has been blocked after multiple consecutive login attempts.'
            : 'Too many attempts. Try again later.',
        );
      }
    }
    const user = await authenticateDatabaseUser(tenant, connection, username, password).catch((error: unknown) => {
      if (!isPasswordHashingBusy(error)) throw error;
      // Not a failed attempt: the password was never checked, so the brute-force count is left alone.
      ctx.set('Retry-After', String(PASSWORD_HASHING_RETRY_AFTER_S));
      throw temporarilyUnavailable();
    });
    if (!user) {
      if (guarded) await throttle.recordFailure(identifier, ip);
      throw new errors.InvalidGrant('Wrong email or password.');
    }
    if (guarded) await throttle.recordSuccess(identifier, ip);
    // Counted before the account is read, so that post-login's event.stats.logins_count includes this login.
    await recordLogin(tenant, user.user_id, ctx.ip);
    const account = await findAccount(ctx, user.user_id);
    if (!account) throw new errors.InvalidGrant('Wrong email or password.');
    ctx.oidc.entity('Account', account);

    const requested = typeof params.scope === 'string' ? splitScope(params.scope) : [];
    const oidcScopes = requested.filter((s) => OIDC_SCOPES.has(s));
    const resource =
      typeof params.resource === 'string'
        ? params.resource
        : ((await defaultResource(ctx, client)) as string | undefined);

    const grant = new provider.Grant({ accountId: user.user_id, clientId: client.clientId });
    if (oidcScopes.length > 0) grant.addOIDCScope(oidcScopes.join(' '));
    let resourceServer: InstanceType<Provider['ResourceServer']> | undefined;
    let apiScopes: string[] = [];
    if (resource !== undefined) {
      const info = await resourceServerInfo(ctx, resource, client);
      const available = splitScope(info.scope ?? '');
      const asked = requested.filter((s) => !OIDC_SCOPES.has(s));
      apiScopes = asked.length === 0 ? available : asked.filter((s) => available.includes(s));
      grant.addResourceScope(resource, apiScopes.join(' '));
      resourceServer = new provider.ResourceServer(resource, info);
    }
    const grantId = await grant.save();
    const scope = [...oidcScopes, ...apiScopes].join(' ');
    requestState(ctx).grantedScope = [...oidcScopes, ...apiScopes];

    const at = new provider.AccessToken({
      accountId: user.user_id,
      client,
      grantId,
      gty: 'password',
      scope: resource === undefined ? oidcScopes.join(' ') : apiScopes.join(' ') || undefined,
      ...(resource === undefined ? {} : { resource }),
    });
    if (resourceServer) at.resourceServer = resourceServer;
    ctx.oidc.entity('AccessToken', at);
    const accessToken = await at.save();

    const api = resource === undefined ? undefined : tenant.registry.resourceServer(resourceToAudience(resource) ?? '');
    let refreshToken: string | undefined;
    const offline =
      oidcScopes.includes('offline_access') &&
      client.grantTypeAllowed('refresh_token') &&
      (api === undefined || api.allow_offline_access);
    if (offline) {
      const rt = new provider.RefreshToken({
        accountId: user.user_id,
        client,
        grantId,
        gty: 'password',
        scope,
        rotations: 0,
        ...(resource === undefined ? {} : { resource }),
      });
      ctx.oidc.entity('RefreshToken', rt);
      refreshToken = await rt.save();
    }

    let idToken: string | undefined;
    if (oidcScopes.includes('openid')) {
      const claims = await account.claims('id_token', oidcScopes.join(' '), {}, []);
      // The engine's own grants set these three before issuing (scope filter, claims mask, rejected claims).
      const token = new provider.IdToken({ ...claims }, { ctx }) as InstanceType<Provider['IdToken']> & {
        scope?: string;
        mask?: object;
        rejected?: string[];
      };
      token.scope = grant.getOIDCScopeFiltered(new Set(oidcScopes));
      token.mask = {};
      token.rejected = [];
      idToken = (await token.issue({ use: 'idtoken' })) as string;
    }

    ctx.body = {
      access_token: accessToken,
      ...(idToken === undefined ? {} : { id_token: idToken }),
      ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
      scope: scope || undefined,
      expires_in: at.expiration,
      token_type: 'Bearer',
    };
  };
}

/** The connection a password request authenticates against; Auth0's refusals when there is none. */
function connectionOf(tenant: TenantContext, clientId: string, grantType: unknown, realm: unknown): ConnectionRecord {
  let name: string | undefined;
  if (grantType === PASSWORD_REALM_GRANT) {
    if (typeof realm !== 'string' || realm === '') throw new errors.InvalidRequest('Missing required parameter: realm');
    name = realm;
  } else {
    name = tenant.settings.default_directory;
    if (name === undefined) {
      const error = new errors.CustomOIDCProviderError(
        'server_error',
        'Authorization server not configured with default connection.',
      );
      Object.assign(error, { status: 500, statusCode: 500, expose: true });
      throw error;
    }
  }
  const { connection, enabled } = databaseFor(tenant.registry, clientId, name);
  if (!connection || !isDatabase(connection)) throw new errors.InvalidRequest('the connection was not found');
  if (!enabled) throw new errors.InvalidRequest('the connection is not enabled');
  return connection;
}

function temporarilyUnavailable(): Error {
  const error = new errors.CustomOIDCProviderError(
    'temporarily_unavailable',
    'Too many logins are being checked at this moment. Retry later.',
  );
  Object.assign(error, { status: 503, statusCode: 503, expose: true });
  return error;
}

function tooManyAttempts(description: string): Error {
  const error = new errors.CustomOIDCProviderError('too_many_attempts', description);
  Object.assign(error, { status: 429, statusCode: 429, expose: true });
  return error;
}
