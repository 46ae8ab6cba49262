import { type AccessTokenClaims, type AuthResult, toAuthResult } from './auth-result.ts';
import { extractBearer, type RequestLike } from './bearer.ts';
import { checkClaims, checkType, reject } from './claims.ts';
import { AuthmeshApiError, BearerError } from './errors.ts';
import { parseCompactJws } from './jws.ts';
import { type KeySetClock, RemoteKeySet } from './key-set.ts';
import {
  type ResolvedVerifierOptions,
  resolveVerifierOptions,
  type SigningAlg,
  type VerifierOptions,
} from './options.ts';
import { verifySignature } from './signature.ts';
import { VerifiedTokenCache } from './token-cache.ts';

export interface Verifier {
  /** Verifies an access token; resolves with what the route may know, or throws a `BearerError`. */
  verify(token: string): Promise<AuthResult>;
  /** Reads the bearer token from a request (Web `Request`, or headers + url) and verifies it. */
  authenticate(request: Request | RequestLike): Promise<AuthResult>;
  /** The `realm` for `WWW-Authenticate`. */
  readonly realm: string;
  /** Key-set statistics, for tests and metrics. */
  readonly stats: { readonly jwksFetches: number };
}

export interface VerifierInternals {
  /** Wall clock in seconds, for token times. */
  nowSeconds?: () => number;
  /** Monotonic milliseconds and randomness for key caching. */
  keyClock?: KeySetClock;
}

/**
 * Creates the framework-free verifier of access tokens issued by an Auth0-compatible tenant. Options are
 * validated here, once; discovery and the JWKS are fetched on first use and cached.
 *
 * Order of checks: cheap structure first (size, shape, JSON), then header allow-lists (`alg`, `typ`,
 * `crit`), then key lookup, then the signature, then claims. Key material is only ever taken from the
 * tenant's JWKS, never from the token (`jwk`, `jku`, `x5u`, `x5c` are ignored).
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ issuerBaseURL: 'http://localhost:4000/', audience: 'https://catalog.acme.test' });
 * const auth = await verifier.authenticate(request); // throws BearerError (401/403/400/503)
 * ```
 */
export function createVerifier(options: VerifierOptions, internals: VerifierInternals = {}): Verifier {
  const resolved = resolveVerifierOptions(options);
  const nowSeconds = internals.nowSeconds ?? (() => Date.now() / 1000);
  const keys = new RemoteKeySet(resolved, internals.keyClock ?? { now: () => performance.now(), random: Math.random });
  const cache = resolved.cacheEntries > 0 ? new VerifiedTokenCache(resolved.cacheEntries) : undefined;

  async function verify(token: string): Promise<AuthResult> {
    if (cache) {
      const hit = cache.get(token, nowSeconds(), resolved.clockTolerance);
      if (hit) return hit;
    }
    try {
      const auth = await verifyUncached(token, resolved, keys, nowSeconds);
      cache?.set(token, auth);
      return auth;
    } catch (error) {
      if (error instanceof AuthmeshApiError) throw error;
      // Anything unexpected (a TypeError from odd input) is still a refused token, never a 500.
      throw new BearerError(
        'ERR_TOKEN_INVALID',
        'The token could not be verified',
        { reason: 'malformed' },
        { cause: error },
      );
    }
  }

  return {
    verify,
    // async: a missing or malformed header must reject the promise, never throw synchronously.
    authenticate: async (request) => verify(extractBearer(request)),
    realm: resolved.realm,
    get stats() {
      return { jwksFetches: keys.fetches };
    },
  };
}

async function verifyUncached(
  token: string,
  options: ResolvedVerifierOptions,
  keys: RemoteKeySet,
  nowSeconds: () => number,
): Promise<AuthResult> {
  const { header, payload, signingInput, signature } = parseCompactJws(token, options.maxTokenLength);
  const alg = header.alg;
  if (typeof alg !== 'string' || !options.algorithms.has(alg as SigningAlg)) {
    throw reject('algorithm', 'The token signature algorithm is not allowed');
  }
  // Unknown critical extensions (and b64:false, which needs crit) must be refused (RFC 7515 §4.1.11).
  if (header.crit !== undefined || header.b64 !== undefined)
    throw reject('header', 'The token uses unsupported header parameters');
  checkType(header, options.strict);
  const kid = header.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > 256))
    throw reject('header', 'The token key id is invalid');

  const { key, issuer } = await keys.resolve(kid, alg as SigningAlg);
  if (!verifySignature(alg as SigningAlg, key, signingInput, signature)) {
    throw reject('signature', 'The token signature is invalid');
  }
  checkClaims(payload, issuer, options, nowSeconds());
  return toAuthResult(token, header, payload as AccessTokenClaims);
}
