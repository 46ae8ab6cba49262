import type { KeyObject, webcrypto } from 'node:crypto';
import type { JWK } from 'jose';
import type { M2MEvent } from './events.ts';
import type { TokenStore } from './store.ts';

/** What a token is for: one API (`audience`) and, optionally, a set of its scopes. */
export interface TokenTarget {
  /** The API identifier, as configured in the tenant (e.g. `https://catalog.example.test`). */
  audience: string;
  /**
   * Scopes to request, space-separated or as a list. Order and duplicates do not matter: `"b a a"` and
   * `['a', 'b']` share one cached token. Omitted: the tenant grants every scope the client has for the API.
   */
  scope?: string | readonly string[];
}

/** An access token as the client holds it. */
export interface M2MToken {
  accessToken: string;
  /** Always `Bearer` (other types are refused as an invalid response). */
  tokenType: 'Bearer';
  /** The granted scopes (space-separated), or the requested ones when the tenant did not echo them (RFC 6749 §5.1). */
  scope: string;
  /**
   * Epoch milliseconds: the local time the request was sent plus `expires_in`. Never derived from the JWT `exp`,
   * so a skewed clock on either side does not change it.
   */
  expiresAt: number;
}

/** When to refresh a token in the background while still serving the current one. */
export interface RefreshAheadOptions {
  /** Refresh once less than this much lifetime remains (ms). Default 30 000. */
  minRemainingMs?: number;
  /** …or less than this fraction of the lifetime, whichever is larger. Default 0.1. Between 0 and 0.5. */
  lifetimeFraction?: number;
  /**
   * Each token's refresh point is moved earlier by up to `jitter × window` (random), so that many instances holding
   * the same token do not all refresh in the same second. Default 0.5. Between 0 and 1.
   */
  jitter?: number;
}

/** Retries of the token request. Delays use full-jitter exponential backoff. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** Backoff base (ms): the n-th retry waits a random time in [0, min(maxDelayMs, baseDelayMs × 2ⁿ)). Default 500. */
  baseDelayMs?: number;
  /** Backoff cap (ms). Default 30 000. */
  maxDelayMs?: number;
  /**
   * Overall budget of one token request including retries and waits (ms). Default 15 000. A `Retry-After` that
   * does not fit fails at once with `ERR_M2M_RATE_LIMITED` and `retryAfter`.
   */
  deadlineMs?: number;
  /**
   * Retry when the connection is refused (`ECONNREFUSED`). Default `true`: in local development the usual cause is a
   * tenant that is restarting, which is back within seconds. Set `false` to fail fast instead.
   */
  retryConnectionRefused?: boolean;
}

/** A clock in epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** Options of {@link createM2MClient}; validated once, at construction. */
export interface M2MClientOptions {
  /** The tenant's issuer, e.g. `http://localhost:4000/` or `https://example.eu.auth0.com/`. */
  issuerBaseURL: string;
  clientId: string;
  /** For `client_secret_post` (the secret is sent in the form body, never in the URL). Exactly one of this and `privateKey`. */
  clientSecret?: string;
  /** For `private_key_jwt`: an RSA private key; each request carries a fresh RS256 assertion valid for 60 s. */
  privateKey?: KeyObject | webcrypto.CryptoKey | JWK;
  /** Default `<issuer>oauth/token` (Auth0's path; no discovery request is made). */
  tokenEndpoint?: string;
  /**
   * Where tokens are cached besides this client's memory. Default: an in-memory store of this client. Pass a shared
   * store (e.g. {@link createRedisTokenStore}) so that many instances mint one token per lifetime between them.
   */
  store?: TokenStore;
  /** The fetch used for token requests and by `client.fetch`. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * Default `Date.now`. This must be wall-clock time: entries in a shared store carry absolute `expiresAt` times
   * that other processes compare with their own clocks.
   */
  clock?: Clock;
  /** `false` disables refresh-ahead: tokens are then renewed by the first call after they expire. */
  refreshAhead?: RefreshAheadOptions | false;
  retry?: RetryOptions;
  /** Timeout of each token request attempt (ms). Default 5 000. */
  timeoutMs?: number;
  /** Observability hook. Events never carry secrets or tokens; an exception thrown here is ignored. */
  onEvent?: (event: M2MEvent) => void;
  /** Random numbers in [0, 1) for all jitter; for tests. Default `Math.random`. */
  random?: () => number;
  /** Waits used between retries and while waiting for another instance's token; for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A machine-to-machine token client; see {@link createM2MClient}. */
export interface M2MClient {
  /** A valid token for the target, from the cache when possible (one request per key however many callers wait). */
  getToken(target: TokenTarget): Promise<M2MToken>;
  /**
   * `fetch` with `Authorization: Bearer <token>` for the target. When the API answers 401 with
   * `WWW-Authenticate: … error="invalid_token"`, the cached token is dropped and the request is sent once more with
   * a new token; a second 401 is returned as is. A body that is a stream (or a `Request` with a body) cannot be
   * sent twice, so such requests are not retried.
   */
  fetch(input: string | URL | Request, init: RequestInit | undefined, target: TokenTarget): Promise<Response>;
  /** Drops the cached token for the target, here and in the store. */
  invalidate(target: TokenTarget): Promise<void>;
  /**
   * Aborts requests in flight, waits for them to settle and forgets cached tokens. Later calls fail. The store is
   * not closed: it belongs to the caller.
   */
  close(): Promise<void>;
}

/**
 * Options of {@link createOnBehalfOfClient}: those of the M2M client, without refresh-ahead (tokens are exchanged
 * when a request needs them). `clientId` and the secret or key are those of THIS API's own client in the tenant.
 */
export type OnBehalfOfClientOptions = Omit<M2MClientOptions, 'refreshAhead'>;

/** An exchanged access token: for the downstream API, with the user as `sub` and this API in `act`. */
export interface OnBehalfOfToken extends M2MToken {
  /** RFC 8693 §2.2.1: always the access-token type. */
  issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token';
}

/**
 * An on-behalf-of client; see {@link createOnBehalfOfClient}. `subjectToken` is always the raw access token of the
 * incoming request, as the adapters expose it (`req.auth.token`, `request.auth.token`, `c.get('auth').token`).
 */
export interface OnBehalfOfClient {
  /** A token for the target carrying the user of `subjectToken`, from the cache when possible. */
  getToken(subjectToken: string, target: TokenTarget): Promise<OnBehalfOfToken>;
  /**
   * `fetch` with the exchanged token as `Authorization: Bearer`. A 401 `invalid_token` from the API drops the cached
   * token and sends the request once more with a new exchange, as {@link M2MClient.fetch} does.
   */
  fetch(
    subjectToken: string,
    input: string | URL | Request,
    init: RequestInit | undefined,
    target: TokenTarget,
  ): Promise<Response>;
  /** Drops the cached token for this user token and target, here and in the store. */
  invalidate(subjectToken: string, target: TokenTarget): Promise<void>;
  /** Aborts exchanges in flight and forgets cached tokens. Later calls fail. The store is not closed. */
  close(): Promise<void>;
}
