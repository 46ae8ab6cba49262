import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthmeshError } from '../errors.ts';
import { libuvHasher, type PasswordHasher } from './password-kdf.ts';

/*
 * Password hashing with argon2id through node:crypto (Node 24.7+, no native addon), with OWASP's
 * parameters: m = 19 MiB, t = 2, p = 1 (about 85 ms and 19 MiB per hash). Stored as the standard PHC
 * string `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (base64 without padding), which other argon2
 * implementations can verify and which records its own parameters, so they can be raised later.
 *
 * Hashes written before argon2id (`scrypt$N$r$p$<salt>$<hash>`, base64url) still verify; the check then
 * says the hash needs an upgrade, and the login re-hashes the password it just verified
 * (see `upgradePasswordHash`). scrypt would need 128 MiB per hash at OWASP's minimum (N = 2^17), which
 * is what made argon2id the better use of the server's memory and CPU.
 *
 * The derivation itself runs on the `PasswordHasher` the caller passes: a running tenant passes its
 * hashing worker pool (password-pool.ts), which may refuse with `ERR_PASSWORD_HASHING_BUSY`; tools outside
 * a tenant use libuv's pool (the default).
 */

/** OWASP Password Storage Cheat Sheet, argon2id, first configuration. */
const ARGON2ID = { memoryKiB: 19_456, passes: 2, parallelism: 1 } as const;
const ARGON2_VERSION = 19;
const SALT_LENGTH = 16;
const HASH_LENGTH = 32;

/** Longer inputs are refused before hashing: hashing megabytes is a denial-of-service lever. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * Upper bounds on the parameters read back from a stored hash. Hashes only come from this server, but a
 * corrupted or hand-edited database must not turn one login into gigabytes of memory.
 */
const LIMITS = { argon2MemoryKiB: 1 << 20, argon2Passes: 16, argon2Parallelism: 16, scryptN: 1 << 20, scryptR: 32 };
/** scrypt needs 128 * N * r bytes; Node's default cap (32 MiB) is exactly N = 2^15, r = 8: allow headroom. */
const SCRYPT_MAX_MEM = 256 * 1024 * 1024;

/** The result of {@link checkPassword}. */
export interface PasswordCheck {
  /** The password is the one the hash was made from. */
  matches: boolean;
  /**
   * The stored hash uses an older scheme or weaker parameters than {@link hashPassword} writes today; when
   * `matches`, the caller should store `hashPassword(password)` in its place.
   */
  needsUpgrade: boolean;
}

/** Hashes a password for storage (argon2id, PHC string). The password is NFC-normalised first. */
export async function hashPassword(password: string, hasher: PasswordHasher = libuvHasher): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await argon2idHash(hasher, password.normalize('NFC'), salt, ARGON2ID, HASH_LENGTH);
  return formatArgon2id(ARGON2ID, salt, hash);
}

/**
 * Constant-time check of a password against a stored hash. Always does the full hashing work, also when
 * `stored` is undefined (unknown user: a dummy argon2id hash is checked instead), so that timing does not
 * reveal whether an account exists.
 */
export async function checkPassword(
  password: string,
  stored: string | undefined,
  hasher: PasswordHasher = libuvHasher,
): Promise<PasswordCheck> {
  const parsed = parse(stored ?? DUMMY_HASH);
  // An over-long input is still hashed (as ''), so that refusing it costs what a wrong password costs.
  const tooLong = password.length > MAX_PASSWORD_LENGTH;
  const input = tooLong ? '' : password.normalize('NFC');
  const actual =
    parsed.scheme === 'argon2id'
      ? await argon2idHash(hasher, input, parsed.salt, parsed.params, parsed.hash.length)
      : await hasher.derive({
          kind: 'scrypt',
          password: input,
          salt: parsed.salt,
          keyLength: parsed.hash.length,
          ...parsed.params,
          maxmem: SCRYPT_MAX_MEM,
        });
  const same = timingSafeEqual(actual, parsed.hash);
  return { matches: same && stored !== undefined && !tooLong, needsUpgrade: !isCurrent(parsed) };
}

/** {@link checkPassword} for callers that only need the verdict. */
export async function verifyPassword(
  password: string,
  stored: string | undefined,
  hasher: PasswordHasher = libuvHasher,
): Promise<boolean> {
  return (await checkPassword(password, stored, hasher)).matches;
}

interface Argon2idParams {
  memoryKiB: number;
  passes: number;
  parallelism: number;
}

type ParsedHash =
  | { scheme: 'argon2id'; params: Argon2idParams; salt: Buffer; hash: Buffer }
  | { scheme: 'scrypt'; params: { N: number; r: number; p: number }; salt: Buffer; hash: Buffer };

function argon2idHash(
  hasher: PasswordHasher,
  input: string,
  salt: Buffer,
  params: Argon2idParams,
  length: number,
): Promise<Buffer> {
  return hasher.derive({
    kind: 'argon2id',
    message: input,
    nonce: salt,
    memory: params.memoryKiB,
    passes: params.passes,
    parallelism: params.parallelism,
    tagLength: length,
  });
}

function formatArgon2id(params: Argon2idParams, salt: Buffer, hash: Buffer): string {
  const settings = `m=${params.memoryKiB},t=${params.passes},p=${params.parallelism}`;
  return `$argon2id$v=${ARGON2_VERSION}$${settings}$${phcBase64(salt)}$${phcBase64(hash)}`;
}

/** PHC strings use standard base64 without `=` padding. */
function phcBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

const PHC_ARGON2ID =
  /^\$argon2id\$v=19\$m=(\d{1,8}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{22,})$/;
const LEGACY_SCRYPT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{11,})\$([A-Za-z0-9_-]{22,})$/;

/**
 * Throws `ERR_PASSWORD_HASH_UNREADABLE` on anything else: a stored hash this code cannot read is a bug or a
 * damaged database, never a failed login.
 */
function parse(stored: string): ParsedHash {
  const argon = PHC_ARGON2ID.exec(stored);
  if (argon) {
    const [, m, t, p, salt, hash] = argon as unknown as [string, string, string, string, string, string];
    const params = { memoryKiB: Number(m), passes: Number(t), parallelism: Number(p) };
    if (
      params.memoryKiB > LIMITS.argon2MemoryKiB ||
      params.passes > LIMITS.argon2Passes ||
      params.parallelism > LIMITS.argon2Parallelism
    ) {
      throw unreadable('its parameters are out of range');
    }
    return { scheme: 'argon2id', params, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
  }
  const legacy = LEGACY_SCRYPT.exec(stored);
  if (legacy) {
    const [, n, r, p, salt, hash] = legacy as unknown as [string, string, string, string, string, string];
    const params = { N: Number(n), r: Number(r), p: Number(p) };
    if (params.N > LIMITS.scryptN || params.r > LIMITS.scryptR) throw unreadable('its parameters are out of range');
    return { scheme: 'scrypt', params, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') };
  }
  throw unreadable('its format is not argon2id (PHC) or scrypt');
}

/** The hash itself is never quoted: it is secret material. */
function unreadable(why: string): AuthmeshError {
  return new AuthmeshError('ERR_PASSWORD_HASH_UNREADABLE', `a stored password hash cannot be read: ${why}`);
}

/** True when the hash is what {@link hashPassword} would write today (scheme and parameters). */
function isCurrent(parsed: ParsedHash): boolean {
  return (
    parsed.scheme === 'argon2id' &&
    parsed.params.memoryKiB >= ARGON2ID.memoryKiB &&
    parsed.params.passes >= ARGON2ID.passes &&
    parsed.params.parallelism >= ARGON2ID.parallelism &&
    parsed.hash.length >= HASH_LENGTH
  );
}

/** A hash of nothing anyone knows: verifying against it costs what a real check costs and never succeeds. */
const DUMMY_HASH = formatArgon2id(ARGON2ID, randomBytes(SALT_LENGTH), randomBytes(HASH_LENGTH));
