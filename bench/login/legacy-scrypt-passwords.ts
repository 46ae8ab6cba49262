/**
 * The "before" of the login bench: the tenant's password module as it was before argon2id (scrypt, format
 * `scrypt$N$r$p$salt$hash`, constant-work dummy hash for unknown users), with the same exports as today's
 * `packages/server/src/tenant/passwords.ts` so the login route runs unchanged on top of it. It never asks for
 * an upgrade, as the old code did not: every login pays the scrypt check and nothing else.
 * `servers/tenant.ts` substitutes it for the real module; N comes from BENCH_SCRYPT_N (default 2^15, what
 * authmesh used; OWASP's minimum for scrypt is 2^17).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string | Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const N = Number(process.env.BENCH_SCRYPT_N ?? 2 ** 15);
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
/** 128 × N × r bytes per hash, plus headroom. */
const MAX_MEM = 2 * 128 * N * R;
export const MAX_PASSWORD_LENGTH = 1024;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password.normalize('NFC'), salt, KEY_LENGTH, { N, r: R, p: P, maxmem: MAX_MEM });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function checkPassword(
  password: string,
  stored: string | undefined,
): Promise<{ matches: boolean; needsUpgrade: boolean }> {
  const [, n, r, p, salt, hash] = (stored ?? DUMMY_HASH).split('$');
  const expected = Buffer.from(hash ?? '', 'base64url');
  const input = password.length > MAX_PASSWORD_LENGTH ? '' : password.normalize('NFC');
  const actual = await scryptAsync(input, Buffer.from(salt ?? '', 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: MAX_MEM,
  });
  const matches = timingSafeEqual(actual, expected) && stored !== undefined && password.length <= MAX_PASSWORD_LENGTH;
  return { matches, needsUpgrade: false };
}

export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  return (await checkPassword(password, stored)).matches;
}

const DUMMY_HASH = `scrypt$${N}$${R}$${P}$${randomBytes(16).toString('base64url')}$${randomBytes(KEY_LENGTH).toString('base64url')}`;
