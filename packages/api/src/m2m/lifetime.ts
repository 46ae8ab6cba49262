import type { RefreshAhead } from './options.ts';
import type { TokenEntry } from './store.ts';

/** A token is not handed out in its last 5 s: it must still be valid when the API checks it. */
const HARD_MARGIN_MS = 5_000;

/** After a failed background refresh, wait this share of the remaining time before trying again (bounded below). */
const RETRY_SHARE = 0.25;
const MIN_REFRESH_RETRY_MS = 1_000;
const MAX_REFRESH_RETRY_MS = 30_000;

function lifetimeMs(entry: TokenEntry): number {
  return entry.expiresAt - entry.receivedAt;
}

/** The last moment the token is served. Very short lifetimes get a proportional margin so they remain usable. */
export function hardExpiry(entry: TokenEntry): number {
  return entry.expiresAt - Math.min(HARD_MARGIN_MS, lifetimeMs(entry) / 2);
}

export function isUsable(entry: TokenEntry, now: number): boolean {
  return now < hardExpiry(entry);
}

/**
 * When a background refresh should start: once less than max(minRemainingMs, fraction × lifetime) remains, moved
 * earlier by a random part of `jitter × window` so instances sharing a token spread their refreshes out (the first
 * one refreshes, the others find the new token in the shared store). Never later than the unjittered point, and at
 * most half the lifetime ahead so that short-lived tokens are not refreshed continuously.
 */
export function refreshPoint(entry: TokenEntry, settings: RefreshAhead | false, random: () => number): number {
  if (!settings) return Number.POSITIVE_INFINITY;
  const lifetime = lifetimeMs(entry);
  const window = Math.min(Math.max(settings.minRemainingMs, settings.lifetimeFraction * lifetime), lifetime / 2);
  return entry.expiresAt - window * (1 + settings.jitter * random());
}

/** When to try again after a failed background refresh: the current token is still served meanwhile. */
export function refreshRetryPoint(entry: TokenEntry, now: number): number {
  const wait = (hardExpiry(entry) - now) * RETRY_SHARE;
  return now + Math.min(Math.max(wait, MIN_REFRESH_RETRY_MS), MAX_REFRESH_RETRY_MS);
}
