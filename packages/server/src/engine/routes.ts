/** The engine's routes as Auth0 names them (oidc-provider's defaults are `/auth`, `/token`, `/me`...). */
export const ROUTES = {
  authorization: '/authorize',
  token: '/oauth/token',
  jwks: '/.well-known/jwks.json',
  userinfo: '/userinfo',
  revocation: '/oauth/revoke',
  end_session: '/oidc/logout',
} as const;

/** Where the engine sends a browser that must log in: Auth0's Universal Login path. */
export const LOGIN_PATH = '/u/login';

/** Discovery, which the engine serves at a fixed path. */
const DISCOVERY_PATH = '/.well-known/openid-configuration';

/**
 * Every path the engine answers, in its one canonical spelling. The engine's router also matches other
 * spellings of them (any letter case, one trailing slash); the tenant's router refuses those (see
 * `http/router.ts`), so each path has exactly one guarded way in.
 */
export const ENGINE_PATHS: readonly string[] = [
  ...Object.values(ROUTES),
  DISCOVERY_PATH,
  `${ROUTES.end_session}/confirm`,
  `${ROUTES.end_session}/success`,
];

/** Engine paths with a parameter segment: `/authorize/:uid` (resuming an authorization after login). */
export const ENGINE_PATH_PREFIXES: readonly string[] = [`${ROUTES.authorization}/`];
