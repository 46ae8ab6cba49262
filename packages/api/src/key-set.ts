import { KeyObject } from 'node:crypto';
import { importJWK, type JWK } from 'jose';
import { BearerError } from './errors.ts';
import { type ResolvedVerifierOptions, type SigningAlg, unsafeUrlReason } from './options.ts';
import { keyFitsAlgorithm } from './signature.ts';

interface KeyEntry {
  kid: string | undefined;
  /** The JWK's own `alg`, when it names one: then the key verifies only that algorithm. */
  alg: string | undefined;
  key: KeyObject;
}

export interface ResolvedKey {
  key: KeyObject;
  issuer: string;
}

export interface KeySetClock {
  /** Monotonic milliseconds: cache ages must not jump when the wall clock does. */
  now(): number;
  random(): number;
}

const MAX_KEYS = 100;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 300_000;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/**
 * The tenant's signing keys, fetched from its JWKS (found through discovery) and cached with three
 * clocks, so that verification survives the tenant being briefly unreachable:
 * - fresh for `cacheMaxAge`; from 80 % of it a background refresh runs while cached keys keep verifying;
 * - stale-if-error up to `staleIfError`: while the tenant is down, known keys keep verifying;
 * - an unknown `kid` refetches at most once per `cooldown`, so random `kid`s cannot cause a fetch storm.
 * Every fetch is single-flight; failures back off exponentially with full jitter (1 s to 5 min), and no
 * request waits on a background refresh. Only when no usable key is known and none can be fetched is
 * the answer "unavailable" (503 + Retry-After), never "invalid token".
 */
export class RemoteKeySet {
  readonly #options: ResolvedVerifierOptions;
  readonly #clock: KeySetClock;
  #issuer: string | undefined;
  #jwksUri: string | undefined;
  #keys: KeyEntry[] = [];
  #fetchedAt: number | undefined;
  #inflight: Promise<void> | undefined;
  #failures = 0;
  #retryAt = 0;
  /** Counts JWKS and discovery requests; exposed for tests and metrics. */
  fetches = 0;

  constructor(options: ResolvedVerifierOptions, clock: KeySetClock) {
    this.#options = options;
    this.#clock = clock;
    this.#issuer = options.issuer;
    this.#jwksUri = options.jwksUri;
  }

  async resolve(kid: string | undefined, alg: SigningAlg): Promise<ResolvedKey> {
    const { cacheMaxAge, staleIfError, cooldown } = this.#options.jwks;
    let now = this.#clock.now();
    if (this.#fetchedAt === undefined || now - this.#fetchedAt > staleIfError) {
      await this.#refreshOrUnavailable();
      now = this.#clock.now();
    } else if (now - this.#fetchedAt > cacheMaxAge * 0.8) {
      this.#refreshInBackground();
    }
    const found = this.#lookup(kid, alg);
    if (found) return { key: found, issuer: this.#issuer as string };
    // An unknown kid may be a key the tenant just rotated in: refetch, but at most once per cooldown.
    if (now - (this.#fetchedAt ?? 0) >= cooldown && now >= this.#retryAt) {
      await this.#refresh().catch(() => undefined);
      const retried = this.#lookup(kid, alg);
      if (retried) return { key: retried, issuer: this.#issuer as string };
    }
    throw new BearerError('ERR_TOKEN_INVALID', 'The token was signed with an unknown key', { reason: 'key_unknown' });
  }

  #lookup(kid: string | undefined, alg: SigningAlg): KeyObject | undefined {
    const usable = (entry: KeyEntry) =>
      (entry.alg === undefined || entry.alg === alg) && keyFitsAlgorithm(entry.key, alg);
    if (kid !== undefined) {
      for (const entry of this.#keys) if (entry.kid === kid && usable(entry)) return entry.key;
      return undefined;
    }
    // No kid: only unambiguous when exactly one key fits.
    const candidates = this.#keys.filter(usable);
    return candidates.length === 1 ? candidates[0]?.key : undefined;
  }

  async #refreshOrUnavailable(): Promise<void> {
    try {
      await this.#refresh();
    } catch (cause) {
      const retryAfter = Math.max(1, Math.ceil((this.#retryAt - this.#clock.now()) / 1000));
      throw new BearerError(
        'ERR_KEYS_UNAVAILABLE',
        'The authorization server is unreachable and no signing key is cached',
        { retryAfter },
        { cause },
      );
    }
  }

  #refreshInBackground(): void {
    if (this.#clock.now() < this.#retryAt) return;
    this.#refresh().catch(() => undefined);
  }

  /** Single-flight fetch; while backing off after failures it fails at once without a request. */
  #refresh(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    if (this.#clock.now() < this.#retryAt) return Promise.reject(new Error('backing off after failed key fetches'));
    this.#inflight = this.#fetchKeys()
      .then(
        (keys) => {
          this.#keys = keys;
          this.#fetchedAt = this.#clock.now();
          this.#failures = 0;
          this.#retryAt = 0;
        },
        (error: unknown) => {
          this.#failures += 1;
          const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (this.#failures - 1));
          // Full jitter, with a floor so that a burst of requests cannot turn into a burst of fetches.
          this.#retryAt = this.#clock.now() + Math.max(BACKOFF_BASE_MS / 2, this.#clock.random() * ceiling);
          throw error;
        },
      )
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }

  async #fetchKeys(): Promise<KeyEntry[]> {
    if (this.#jwksUri === undefined || this.#issuer === undefined) await this.#discover();
    const body = await this.#getJson(this.#jwksUri as string);
    const keys = (body as { keys?: unknown }).keys;
    if (!Array.isArray(keys)) throw new Error('the JWKS has no keys array');
    const entries: KeyEntry[] = [];
    const seen = new Set<string>();
    for (const jwk of keys.slice(0, MAX_KEYS)) {
      const entry = await importPublicJwk(jwk);
      if (!entry) continue;
      // A kid listed twice is ambiguous: keep the first, as a verifier must not guess.
      if (entry.kid !== undefined) {
        if (seen.has(entry.kid)) continue;
        seen.add(entry.kid);
      }
      entries.push(entry);
    }
    if (entries.length === 0) throw new Error('the JWKS has no usable public signing key');
    return entries;
  }

  async #discover(): Promise<void> {
    const url = this.#options.discoveryUrl as string;
    const metadata = (await this.#getJson(url)) as { issuer?: unknown; jwks_uri?: unknown };
    if (typeof metadata.issuer !== 'string' || typeof metadata.jwks_uri !== 'string') {
      throw new Error('the discovery document has no issuer or jwks_uri');
    }
    // RFC 8414 §3.3: the issuer in the document must be the one the document was fetched for.
    const expected =
      this.#options.issuer ?? url.replace(/\.well-known\/(openid-configuration|oauth-authorization-server)$/, '');
    if (metadata.issuer !== expected && `${metadata.issuer}/` !== expected) {
      throw new Error('the discovery document names another issuer');
    }
    // The document is remote input: its jwks_uri gets the same rule as a configured one.
    if (this.#jwksUri === undefined && unsafeUrlReason(metadata.jwks_uri) !== undefined) {
      throw new Error('the discovery document names a jwks_uri that is not https (or loopback http)');
    }
    this.#issuer = metadata.issuer;
    this.#jwksUri = this.#jwksUri ?? metadata.jwks_uri;
  }

  /** GET with timeout, no redirects (a redirect could point anywhere) and a body size cap. */
  async #getJson(url: string): Promise<unknown> {
    this.fetches += 1;
    const response = await this.#options.fetch(url, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(this.#options.jwks.timeout),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`expected 200 from ${url}, got ${response.status}`);
    }
    const text = await readCapped(response, this.#options.jwks.maxBodyBytes);
    return JSON.parse(text) as unknown;
  }
}

async function readCapped(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await response.body?.cancel();
    throw new Error('response body too large');
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error('response body too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

const DEFAULT_ALG: Record<string, string> = {
  RSA: 'RS256',
  'EC:P-256': 'ES256',
  'EC:P-384': 'ES384',
  'EC:P-521': 'ES512',
  OKP: 'EdDSA',
};

/** Imports one JWKS entry if it is a public signing key; anything else (secret, private, encryption) is skipped. */
async function importPublicJwk(value: unknown): Promise<KeyEntry | undefined> {
  if (typeof value !== 'object' || value === null) return undefined;
  const jwk = value as JWK & { key_ops?: unknown };
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') return undefined;
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) return undefined;
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid.length > 256)) return undefined;
  const alg = typeof jwk.alg === 'string' ? jwk.alg : DEFAULT_ALG[jwk.kty === 'EC' ? `EC:${jwk.crv}` : jwk.kty];
  if (alg === undefined) return undefined;
  try {
    const imported = await importJWK(jwk, alg, { extractable: true });
    const key =
      imported instanceof Uint8Array ? undefined : KeyObject.from(imported as Parameters<typeof KeyObject.from>[0]);
    if (key?.type !== 'public') return undefined;
    return { kid: jwk.kid, alg: typeof jwk.alg === 'string' ? jwk.alg : undefined, key };
  } catch {
    return undefined;
  }
}
