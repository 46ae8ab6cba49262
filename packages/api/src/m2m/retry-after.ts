/** A tenant may ask for long waits; more than a minute is treated as a minute (MC-3: honoured, but capped). */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * How long the tenant asked us to wait, in ms, or `undefined` when it did not say. Reads `Retry-After` (delay
 * seconds or HTTP-date, RFC 9110 §10.2.3) and, for 429 only, Auth0's `X-RateLimit-Reset` (epoch seconds at which
 * the bucket refills; Auth0 sends it on every answer, so it means "wait" only on a 429).
 */
export function retryAfterMs(status: number, headers: Headers, nowMs: number): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Math.min(Number(retryAfter) * 1000, MAX_RETRY_AFTER_MS);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return clamp(date - nowMs);
  }
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (status === 429 && reset && /^\d+$/.test(reset)) return clamp(Number(reset) * 1000 - nowMs);
  return undefined;
}

function clamp(ms: number): number {
  return Math.min(Math.max(0, Math.ceil(ms)), MAX_RETRY_AFTER_MS);
}

/** Full-jitter exponential backoff (AWS architecture blog): random in [0, min(cap, base × 2^retry)). */
export function backoffMs(retry: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** retry));
}
