// The catalog's prices are in euros.
const money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });

export const formatPrice = (amount: number) => money.format(amount);

export function formatExpiry(exp: number | undefined, now = Date.now()): string {
  if (exp === undefined) return 'no exp';
  const minutes = Math.round((exp * 1000 - now) / 60_000);
  const at = new Date(exp * 1000).toLocaleTimeString();
  return minutes >= 0 ? `${at} (in ${minutes} min)` : `${at} (expired)`;
}
