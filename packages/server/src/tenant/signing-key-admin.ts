import type { Storage } from '../storage/contract.ts';
import { TenantRegistry } from './registry.ts';
import { DEFAULT_ROTATION_DELAY_MS, longestTokenLifetimeMs, SigningKeyRing } from './signing-key-ring.ts';
import { phaseOf, type SigningKeyPhase } from './signing-key-set.ts';

/*
 * The signing keys of a tenant's storage, for tools that run beside the tenant (`authmesh keys`): they
 * write the stored key set, and every running tenant process on that storage reads it within a second.
 */

/** One key as `authmesh keys list` shows it; times in milliseconds since the epoch. */
export interface SigningKeySummary {
  kid: string;
  phase: SigningKeyPhase;
  created_at: number;
  activates_at: number;
  retires_at?: number;
  revoked_at?: number;
}

/** Every key of the stored set, newest first, with its phase now. */
export async function listSigningKeys(storage: Storage, now: number = Date.now()): Promise<SigningKeySummary[]> {
  const ring = await SigningKeyRing.open(storage, { pollMs: 0, now: () => now });
  const set = ring.set;
  return [...set.keys].reverse().map((key) => ({
    kid: key.jwk.kid,
    phase: phaseOf(set, key, now),
    created_at: key.created_at,
    activates_at: key.activates_at,
    ...(key.retires_at === undefined ? {} : { retires_at: key.retires_at }),
    ...(key.revoked_at === undefined ? {} : { revoked_at: key.revoked_at }),
  }));
}

/**
 * Rotates: a new key, published now, signing after `delayMs` (default 10 minutes); the keys it replaces
 * stay published for the longest token lifetime of the tenant (`issuer` names its Management API).
 */
export async function rotateSigningKey(
  storage: Storage,
  options: { issuer: string; delayMs?: number },
): Promise<SigningKeySummary> {
  const registry = new TenantRegistry(storage, options.issuer);
  await registry.refresh();
  const ring = await SigningKeyRing.open(storage, { pollMs: 0 });
  const next = await ring.rotate({
    delayMs: options.delayMs ?? DEFAULT_ROTATION_DELAY_MS,
    retireAfterMs: longestTokenLifetimeMs(registry),
  });
  return { kid: next.jwk.kid, phase: 'next', created_at: next.created_at, activates_at: next.activates_at };
}

/** Revokes `kid` now: it leaves the JWKS and its tokens stop verifying (the signing key cannot be revoked). */
export async function revokeSigningKey(storage: Storage, kid: string): Promise<void> {
  const ring = await SigningKeyRing.open(storage, { pollMs: 0 });
  await ring.revoke(kid);
}
