import { useAuth0 } from '@auth0/auth0-react';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { API_NAMES, type ApiName, type AppConfig } from './config.ts';
import { decodeAccessToken, type TokenClaims } from './jwt.ts';
import { markTokensSettled } from './metrics.ts';
import type { SilentAuthMode } from './silent-auth-mode.ts';

export type TokenState =
  | { status: 'pending' }
  | { status: 'ok'; claims: TokenClaims }
  | { status: 'error'; error: string; description: string };

/** Why a call to an API did not succeed: no token, an HTTP error from the API, or no answer at all. */
export type Failure =
  | { kind: 'token'; api: ApiName; error: string; description: string }
  | { kind: 'http'; api: ApiName; status: number; error?: string; description?: string; wwwAuthenticate?: string }
  | { kind: 'network'; api: ApiName; description: string };

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; failure: Failure };

/** One row of the token panel: an API call and the token it carried. */
export interface CallRecord {
  id: number;
  at: number;
  api: ApiName;
  method: string;
  path: string;
  claims?: TokenClaims;
  status?: number | 'no token' | 'network error';
}

/** A silent token request the tenant refused for lack of a session (or that never came back). */
export interface SilentAuthFailure {
  api: ApiName;
  error: string;
  description: string;
}

/** The errors that mean "no usable session", as opposed to a refusal of one API's scopes. */
const SESSION_ERRORS = new Set([
  'login_required',
  'consent_required',
  'interaction_required',
  'timeout',
  'missing_refresh_token',
  'invalid_grant',
]);

interface Session {
  config: AppConfig;
  mode: SilentAuthMode;
  /**
   * The last silent-auth failure. auth0-spa-js ends the local session when the iframe answers
   * `login_required`, so this is what the logged-out screen explains.
   */
  silentFailure: SilentAuthFailure | undefined;
  clearSilentFailure(): void;
  /** The token state per API, from the fetch right after login (and the latest call since). */
  tokens: Record<ApiName, TokenState>;
  calls: CallRecord[];
  /** Calls an API with a token for it; `scope` adds to the API's read scope (a write call's own scope). */
  call<T>(
    api: ApiName,
    method: 'GET' | 'POST',
    path: string,
    options?: { body?: unknown; scope?: string },
  ): Promise<ApiResult<T>>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

const PENDING: Record<ApiName, TokenState> = {
  catalog: { status: 'pending' },
  orders: { status: 'pending' },
  inventory: { status: 'pending' },
};

/** auth0-spa-js errors carry OAuth's `error` / `error_description`; anything else is shown by its message. */
export function describeError(error: unknown): { error: string; description: string } {
  const e = error as { error?: unknown; error_description?: unknown; message?: unknown };
  return {
    error: typeof e?.error === 'string' ? e.error : 'error',
    description:
      typeof e?.error_description === 'string' ? e.error_description : String(e?.message ?? error ?? 'unknown error'),
  };
}

/** `Bearer realm="…", error="insufficient_scope", error_description="…"` → its parameters. */
export function parseWwwAuthenticate(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of header.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/gi)) {
    params[match[1]!.toLowerCase()] = match[2]!.replace(/\\(.)/g, '$1');
  }
  return params;
}

/**
 * The heart of the SPA: one login, then one access token per API, each asked for with its own audience
 * (`getAccessTokenSilently({ authorizationParams: { audience } })`), and every call to an API made with the
 * token for that API. Right after login it fetches the three tokens, which is also what the login-round-trip
 * figure measures.
 */
export function SessionProvider({
  config,
  mode,
  children,
}: {
  config: AppConfig;
  mode: SilentAuthMode;
  children: ReactNode;
}) {
  const { isAuthenticated, getAccessTokenSilently } = useAuth0();
  const [tokens, setTokens] = useState(PENDING);
  const [calls, setCalls] = useState<CallRecord[]>([]);
  const [silentFailure, setSilentFailure] = useState<SilentAuthFailure>();
  const nextId = useRef(1);

  // One token request at a time. auth0-spa-js locks per audience only, and with rotating refresh tokens
  // and MRRT ONE refresh token serves all three APIs: two refreshes in flight for two audiences would
  // present the same refresh token twice, and the second is refused as reuse (at Auth0, reuse of a rotated
  // refresh token outside the configured leeway revokes the whole token family).
  const queue = useRef<Promise<unknown>>(Promise.resolve());

  const getToken = useCallback(
    (
      api: ApiName,
      scope?: string,
    ): Promise<{ token: string; claims: TokenClaims } | { error: string; description: string }> => {
      const next = queue.current.then(async () => {
        try {
          const token = await getAccessTokenSilently({
            authorizationParams: { audience: config.apis[api].audience, ...(scope ? { scope } : {}) },
          });
          if (!token) throw new Error('the SDK returned no access token');
          const claims = decodeAccessToken(token);
          setTokens((t) => ({ ...t, [api]: { status: 'ok', claims } }));
          return { token, claims };
        } catch (error) {
          const described = describeError(error);
          setTokens((t) => ({ ...t, [api]: { status: 'error', ...described } }));
          // Keep the first failure: the ones after it follow from it (the SDK has ended the session).
          if (SESSION_ERRORS.has(described.error)) setSilentFailure((first) => first ?? { api, ...described });
          return described;
        }
      });
      queue.current = next;
      return next;
    },
    [config, getAccessTokenSilently],
  );

  // Right after login (and on every load with a session): one token per API. The figure is recorded even if
  // the SDK ends the session meanwhile (a `login_required` from the iframe does that).
  useEffect(() => {
    if (!isAuthenticated) {
      setTokens(PENDING);
      setCalls([]);
      return;
    }
    void Promise.all(API_NAMES.map((api) => getToken(api))).then((results) => {
      const outcome = (i: number) => {
        const result = results[i]!;
        return 'token' in result ? 'ok' : result.error;
      };
      markTokensSettled(mode, { catalog: outcome(0), orders: outcome(1), inventory: outcome(2) });
    });
  }, [isAuthenticated, getToken, mode]);

  const call = useCallback(
    async <T,>(
      api: ApiName,
      method: 'GET' | 'POST',
      path: string,
      { body, scope }: { body?: unknown; scope?: string } = {},
    ): Promise<ApiResult<T>> => {
      const id = nextId.current++;
      const record: CallRecord = { id, at: Date.now(), api, method, path };
      const update = (patch: Partial<CallRecord>) =>
        setCalls((all) => all.map((c) => (c.id === id ? { ...c, ...patch } : c)));
      setCalls((all) => [record, ...all].slice(0, 50));

      const got = await getToken(api, scope);
      if (!('token' in got)) {
        update({ status: 'no token' });
        return { ok: false, failure: { kind: 'token', api, ...got } };
      }
      update({ claims: got.claims });

      let response: Response;
      try {
        response = await fetch(`${config.apis[api].url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${got.token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        update({ status: 'network error' });
        return { ok: false, failure: { kind: 'network', api, description: describeError(error).description } };
      }
      update({ status: response.status });
      const json = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      if (response.ok) return { ok: true, status: response.status, data: json as T };

      // RFC 6750: the reason is in WWW-Authenticate (readable cross-origin only if the API exposes it);
      // the JSON body says the same for clients that cannot read the header.
      const wwwAuthenticate = response.headers.get('www-authenticate') ?? undefined;
      const params = wwwAuthenticate ? parseWwwAuthenticate(wwwAuthenticate) : {};
      const error = params.error ?? (typeof json?.error === 'string' ? json.error : undefined);
      const description =
        params.error_description ?? (typeof json?.error_description === 'string' ? json.error_description : undefined);
      return {
        ok: false,
        failure: {
          kind: 'http',
          api,
          status: response.status,
          ...(error ? { error } : {}),
          ...(description ? { description } : {}),
          ...(wwwAuthenticate ? { wwwAuthenticate } : {}),
        },
      };
    },
    [config, getToken],
  );

  const clearSilentFailure = useCallback(() => setSilentFailure(undefined), []);
  const value = useMemo(
    () => ({ config, mode, silentFailure, clearSilentFailure, tokens, calls, call }),
    [config, mode, silentFailure, clearSilentFailure, tokens, calls, call],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
