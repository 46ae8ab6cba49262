import { AuthmeshError } from '../errors.ts';
import type { SigningJwk } from './keys.ts';

/*
 * The tenant's signing keys as one stored set, each key with the times it starts and stops counting.
 * Nothing here reads a clock: every process that holds the same set computes the same current key and the
 * same published keys from the time it is given, so processes sharing one database agree without telling
 * each other anything (a change reaches them through the storage they all read).
 */

/** One signing key and its life, times in milliseconds since the epoch. */
export interface StoredSigningKey {
  jwk: SigningJwk;
  /** When the key was created, and published in the JWKS. */
  created_at: number;
  /** From this moment the key signs (until a later key activates). */
  activates_at: number;
  /** From this moment the key leaves the JWKS: every token it signed has expired by then. */
  retires_at?: number;
  /** Revoked keys are neither published nor used, at once. */
  revoked_at?: number;
}

/** The stored set, oldest first. */
export interface SigningKeySet {
  keys: StoredSigningKey[];
}

/** Where a key is in its life at a moment, in Auth0's words (`current`, `next`, `previous`). */
export type SigningKeyPhase = 'next' | 'current' | 'previous' | 'retired' | 'revoked';

/** How a rotation is timed. */
export interface RotationTiming {
  /** How long the new key is published before it signs. */
  delayMs: number;
  /** How long the keys it replaces stay published after it starts signing: the longest token lifetime. */
  retireAfterMs: number;
}

/** A set holding one key that signs from the start (a tenant's first key, or keys from before rotation existed). */
export function initialKeySet(jwks: readonly SigningJwk[], now: number): SigningKeySet {
  return { keys: jwks.map((jwk) => ({ jwk, created_at: now, activates_at: 0 })) };
}

/** The key that signs at `now`: the unrevoked, unretired key activated last. Undefined only for an empty set. */
export function currentKey(set: SigningKeySet, now: number): StoredSigningKey | undefined {
  let current: StoredSigningKey | undefined;
  for (const key of set.keys) {
    if (!isPublished(key, now) || key.activates_at > now) continue;
    if (!current || key.activates_at >= current.activates_at) current = key;
  }
  return current;
}

/** The keys in the JWKS at `now`: the current key first, then the others, newest first. */
export function publishedKeys(set: SigningKeySet, now: number): StoredSigningKey[] {
  const current = currentKey(set, now);
  const others = set.keys
    .filter((key) => key !== current && isPublished(key, now))
    .sort((a, b) => b.activates_at - a.activates_at);
  return current ? [current, ...others] : others;
}

/** Where `key` is in its life at `now`. */
export function phaseOf(set: SigningKeySet, key: StoredSigningKey, now: number): SigningKeyPhase {
  if (key.revoked_at !== undefined) return 'revoked';
  if (key.retires_at !== undefined && key.retires_at <= now) return 'retired';
  if (key.activates_at > now) return 'next';
  return currentKey(set, now) === key ? 'current' : 'previous';
}

/**
 * Adds `next`, published at once and signing after `timing.delayMs`. Every key still published gets a
 * retirement `timing.retireAfterMs` after that activation (none signs after it, so none of their tokens
 * outlives that). Returns a new set.
 */
export function rotate(set: SigningKeySet, next: SigningJwk, now: number, timing: RotationTiming): SigningKeySet {
  if (!Number.isFinite(timing.delayMs) || timing.delayMs < 0) {
    throw new AuthmeshError('ERR_SIGNING_KEY', 'the rotation delay must be a non-negative number of milliseconds');
  }
  const activatesAt = now + timing.delayMs;
  const retiresAt = activatesAt + Math.max(0, timing.retireAfterMs);
  const keys = set.keys.map((key) =>
    isPublished(key, now) && key.retires_at === undefined ? { ...key, retires_at: retiresAt } : key,
  );
  return { keys: [...keys, { jwk: next, created_at: now, activates_at: activatesAt }] };
}

/**
 * Revokes the key `kid` at `now`: it leaves the JWKS and every token it signed stops verifying. The key
 * that signs cannot be revoked (rotate first), as on Auth0. Returns a new set.
 */
export function revoke(set: SigningKeySet, kid: string, now: number): SigningKeySet {
  const key = set.keys.find((k) => k.jwk.kid === kid);
  if (!key) throw new AuthmeshError('ERR_SIGNING_KEY_NOT_FOUND', `there is no signing key "${kid}"`);
  if (key.revoked_at !== undefined) return set;
  if (currentKey(set, now) === key) {
    throw new AuthmeshError('ERR_SIGNING_KEY', `the key "${kid}" signs now: rotate first, then revoke it`);
  }
  return { keys: set.keys.map((k) => (k === key ? { ...k, revoked_at: now } : k)) };
}

function isPublished(key: StoredSigningKey, now: number): boolean {
  return key.revoked_at === undefined && (key.retires_at === undefined || key.retires_at > now);
}
