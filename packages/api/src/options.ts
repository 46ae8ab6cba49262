import { OptionsError } from './errors.ts';

/** The `realm` of `WWW-Authenticate` when none is configured. */
export const DEFAULT_REALM = 'api';

/** Signature algorithms the verifier supports. Symmetric (HS*) algorithms are refused: keys come from a JWKS. */
export const SUPPORTED_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type SigningAlg = (typeof SUPPORTED_ALGS)[number];

/**
 * Options of {@link createVerifier}, named as Auth0's `express-oauth2-jwt-bearer` names them where they
 * overlap, so that moving between the two is a rename of the import only.
 */
export interface VerifierOptions {
  /**
   * The tenant's base URL, e.g. `https://your-tenant.eu.auth0.com/` or `http://localhost:4000/`. Its
   * discovery document names the issuer and the JWKS. http is accepted for loopback hosts only.
   */
  issuerBaseURL?: string;
  /** Expected `iss`, when not using discovery (together with `jwksUri`). Exact match, trailing slash included. */
  issuer?: string;
  /** The JWKS URL, when not using discovery (together with `issuer`). */
  jwksUri?: string;
  /** This API's identifier(s). A token must name one of them in `aud`. */
  audience: string | readonly string[];
  /** Allowed signature algorithm(s). Default `RS256` (what Auth0 and authmesh sign with). */
  tokenSigningAlg?: SigningAlg | readonly SigningAlg[];
  /** Seconds of leeway for `exp`, `nbf` and `iat`. Default 5 (as Auth0's SDK); at most 300. */
  clockTolerance?: number;
  /** RFC 9068 mode: only `typ: at+jwt` is accepted (Auth0's default profile issues `typ: JWT`). Default false. */
  strict?: boolean;
  /** `realm` in `WWW-Authenticate`. Default `api`. */
  realm?: string;
  /** Tokens longer than this (characters) are refused before any decoding. Default 8192. */
  maxTokenLength?: number;
  /** Key fetching and caching. */
  jwks?: JwksOptions;
  /**
   * Opt-in cache of verified tokens (keyed by the token, bounded, `exp` still checked on every hit):
   * skips the signature check for a token seen before. Off by default.
   */
  cache?: { maxEntries: number } | false;
  /** fetch implementation for discovery and JWKS (tests, proxies). Default: global fetch. */
  fetch?: typeof fetch;
}

export interface JwksOptions {
  /** How long fetched keys count as fresh, ms. Default 600 000 (10 min). A background refresh starts at 80 %. */
  cacheMaxAge?: number;
  /** How long cached keys keep verifying while the tenant is unreachable, ms. Default 86 400 000 (24 h). */
  staleIfError?: number;
  /** Minimum time between refetches caused by unknown `kid`s, ms. Default 30 000. */
  cooldown?: number;
  /** Timeout of one discovery or JWKS request, ms. Default 5 000. */
  timeout?: number;
  /** Largest JWKS or discovery body accepted, bytes. Default 262 144. */
  maxBodyBytes?: number;
}

export interface ResolvedVerifierOptions {
  discoveryUrl: string | undefined;
  issuer: string | undefined;
  jwksUri: string | undefined;
  audiences: ReadonlySet<string>;
  algorithms: ReadonlySet<SigningAlg>;
  clockTolerance: number;
  strict: boolean;
  realm: string;
  maxTokenLength: number;
  jwks: Required<JwksOptions>;
  cacheEntries: number;
  fetch: typeof fetch;
}

/** Validates options once, at construction; every message names the option and the fix. */
export function resolveVerifierOptions(options: VerifierOptions): ResolvedVerifierOptions {
  if (typeof options !== 'object' || options === null) throw new OptionsError('options must be an object');
  const { issuerBaseURL, issuer, jwksUri } = options;
  let discoveryUrl: string | undefined;
  if (issuerBaseURL !== undefined) {
    const base = checkUrl('issuerBaseURL', issuerBaseURL);
    discoveryUrl = base.pathname.includes('/.well-known/')
      ? base.href
      : new URL('.well-known/openid-configuration', base.href.endsWith('/') ? base.href : `${base.href}/`).href;
  } else if (issuer === undefined || jwksUri === undefined) {
    throw new OptionsError(
      'issuerBaseURL is required (e.g. "http://localhost:4000/"), or else both issuer and jwksUri',
    );
  }
  if (issuer !== undefined) checkUrl('issuer', issuer);
  if (jwksUri !== undefined) checkUrl('jwksUri', jwksUri);

  if (typeof options.audience !== 'string' && !Array.isArray(options.audience)) {
    throw new OptionsError('audience is required: the identifier of this API, e.g. "https://catalog.acme.test"');
  }
  const audiences = typeof options.audience === 'string' ? [options.audience] : [...options.audience];
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a.length === 0)) {
    throw new OptionsError('audience is required: the identifier of this API, e.g. "https://catalog.acme.test"');
  }

  const rawAlgs = options.tokenSigningAlg ?? ['RS256'];
  if (typeof rawAlgs !== 'string' && !Array.isArray(rawAlgs)) {
    throw new OptionsError(`tokenSigningAlg must be one of ${SUPPORTED_ALGS.join(', ')}, or a list of them`);
  }
  const algs = typeof rawAlgs === 'string' ? [rawAlgs] : [...rawAlgs];
  for (const alg of algs) {
    if (!(SUPPORTED_ALGS as readonly string[]).includes(alg)) {
      throw new OptionsError(
        `tokenSigningAlg "${String(alg)}" is not supported; use one of ${SUPPORTED_ALGS.join(', ')} (symmetric HS* algorithms cannot be verified with a JWKS)`,
      );
    }
  }
  if (algs.length === 0) throw new OptionsError('tokenSigningAlg must name at least one algorithm, e.g. "RS256"');

  const clockTolerance = options.clockTolerance ?? 5;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0 || clockTolerance > 300) {
    throw new OptionsError('clockTolerance must be a number of seconds between 0 and 300 (default 5)');
  }
  const maxTokenLength = options.maxTokenLength ?? 8192;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 256 || maxTokenLength > 65_536) {
    throw new OptionsError('maxTokenLength must be an integer between 256 and 65536 (default 8192)');
  }
  const jwks = {
    cacheMaxAge: positive('jwks.cacheMaxAge', options.jwks?.cacheMaxAge, 600_000),
    staleIfError: positive('jwks.staleIfError', options.jwks?.staleIfError, 86_400_000),
    cooldown: positive('jwks.cooldown', options.jwks?.cooldown, 30_000),
    timeout: positive('jwks.timeout', options.jwks?.timeout, 5_000),
    maxBodyBytes: positive('jwks.maxBodyBytes', options.jwks?.maxBodyBytes, 262_144),
  };
  const cacheEntries = options.cache ? options.cache.maxEntries : 0;
  if (!Number.isInteger(cacheEntries) || cacheEntries < 0) {
    throw new OptionsError('cache.maxEntries must be a positive integer, e.g. { maxEntries: 10000 }');
  }
  const realm = options.realm ?? DEFAULT_REALM;
  if (!/^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(realm)) {
    throw new OptionsError('realm must be 1 to 64 printable characters without quotes or backslashes');
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new OptionsError('fetch must be a function (default: the global fetch)');

  return Object.freeze({
    discoveryUrl,
    issuer,
    jwksUri,
    audiences: new Set(audiences),
    algorithms: new Set(algs as SigningAlg[]),
    clockTolerance,
    strict: options.strict ?? false,
    realm,
    maxTokenLength,
    jwks,
    cacheEntries,
    fetch: fetchImpl,
  });
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new OptionsError(`${name} must be a positive number of milliseconds`);
  return value;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * Why a URL may not be used to fetch keys or metadata, or undefined when it may: https everywhere, http
 * only on loopback (tokens and keys must not cross a network in clear text), no credentials or fragment.
 * Applies to configured URLs and to the `jwks_uri` a discovery document names.
 */
export function unsafeUrlReason(value: unknown): string | undefined {
  const url = typeof value === 'string' ? URL.parse(value) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return 'must be an absolute https URL';
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    return 'must use https (http is accepted only for localhost / 127.0.0.1 / [::1])';
  }
  if (url.hash || url.username || url.password) return 'must not contain a fragment or credentials';
  return undefined;
}

function checkUrl(name: string, value: string): URL {
  const reason = unsafeUrlReason(value);
  if (reason !== undefined) throw new OptionsError(`${name} ${reason}, got ${JSON.stringify(value)?.slice(0, 100)}`);
  return new URL(value);
}
