/** Small text helpers shared by the views. */

/** "3 min", "2 h", "40 s": a duration a person reads at a glance. */
export function duration(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

/** "expired 3 min ago, at 2026-…" or "expires in 57 min, at 2026-…". */
export function expiryText(expiry: { expired: boolean; exp: string; seconds: number }): string {
  return expiry.expired
    ? `Expired ${duration(expiry.seconds)} ago, at ${expiry.exp}`
    : `Expires in ${duration(expiry.seconds)}, at ${expiry.exp}`;
}

/** A claim or JSON value on one line. */
export function show(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** `12:04:31` of an ISO time, in the viewer's time zone. */
export function clock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString([], { hour12: false });
}
