import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * Password hashing with scrypt (memory-hard, built into node:crypto, no native addon).
 * Format: `scrypt$N$r$p$salt$hash`, base64url, so parameters can be raised later without a migration.
 */
const scryptAsync = promisify(scrypt) as (
  password: string | Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
/** scrypt needs 128 * N * r bytes; leave headroom above Node's 32 MiB default. */
const MAX_MEM = 64 * 1024 * 1024;
/** Longer inputs are refused before hashing: hashing megabytes is a denial-of-service lever. */
export const MAX_PASSWORD_LENGTH = 1024;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password.normalize('NFC'), salt, KEY_LENGTH, { N, r: R, p: P, maxmem: MAX_MEM });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/**
 * Constant-time check of a password against a stored hash. Always does the full scrypt work, also when
 * `stored` is undefined (unknown user), so that timing does not reveal whether an account exists.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = parse(stored ?? DUMMY_HASH);
  const input = password.length > MAX_PASSWORD_LENGTH ? '' : password.normalize('NFC');
  const actual = await scryptAsync(input, parsed.salt, parsed.hash.length, {
    N: parsed.n,
    r: parsed.r,
    p: parsed.p,
    maxmem: MAX_MEM,
  });
  const same = timingSafeEqual(actual, parsed.hash);
  return same && stored !== undefined && password.length <= MAX_PASSWORD_LENGTH;
}

interface ParsedHash {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): ParsedHash {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) throw new Error('unrecognised password hash format');
  return {
    n: Number(n),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt, 'base64url'),
    hash: Buffer.from(hash, 'base64url'),
  };
}

/** A hash of a random password: verifying against it costs the same as a real check and never succeeds. */
const DUMMY_HASH = `scrypt$${N}$${R}$${P}$${randomBytes(16).toString('base64url')}$${randomBytes(KEY_LENGTH).toString('base64url')}`;
