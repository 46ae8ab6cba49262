import { randomBytes } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Uniformly random alphanumeric string (rejection sampling: no modulo bias). */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}

/** Auth0 formats: 32-char client ids, `cgr_`/`rol_` + 16, 24-hex resource server and user ids. */
export const newClientId = (): string => randomAlphanumeric(32);
/** 64 characters from a 62-symbol alphabet: ≈ 381 bits, far above the 128-bit floor for secrets. */
export const newClientSecret = (): string => randomAlphanumeric(64);
export const newClientGrantId = (): string => `cgr_${randomAlphanumeric(16)}`;
export const newRoleId = (): string => `rol_${randomAlphanumeric(16)}`;
export const newConnectionId = (): string => `con_${randomAlphanumeric(16)}`;
export const newResourceServerId = (): string => randomBytes(12).toString('hex');
export const newUserId = (): string => `auth0|${randomBytes(12).toString('hex')}`;
