import { parseArgs } from 'node:util';
import { listSigningKeys, revokeSigningKey, rotateSigningKey, type SigningKeySummary } from '@authmesh/server';
import { UsageError } from './args.ts';
import { issuerOf, withStorage } from './tenant-as-code.ts';

export const KEYS_USAGE = `authmesh keys <list|rotate|revoke <kid>> [--data <dir> | --database <postgres://…>]
  list              the signing keys: next (published, not signing yet), current, previous, retired, revoked
  rotate [--delay <s>]
                    publish a new key now; it signs after the delay (default 600 s, the JWKS cache
                    lifetime of @authmesh/api); the keys it replaces stay in the JWKS until every token
                    they signed has expired. Running tenant processes on this storage follow within a second.
  revoke <kid>      remove a key from the JWKS at once: its tokens stop verifying (rotate first to
                    revoke the current key)`;

/** `authmesh keys`: list, rotate or revoke the tenant's signing keys in its storage. */
export async function keysCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      data: { type: 'string' },
      database: { type: 'string' },
      delay: { type: 'string' },
      issuer: { type: 'string' },
    },
  });
  const [action = 'list', ...rest] = positionals;
  const location = {
    data: values.data ?? '.authmesh',
    ...(values.database === undefined ? {} : { database: values.database }),
  };
  if (action === 'list') {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"\n${KEYS_USAGE}`);
    return withStorage(location, async (storage) => {
      console.log(formatKeys(await listSigningKeys(storage)));
      return 0;
    });
  }
  if (action === 'rotate') {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"\n${KEYS_USAGE}`);
    const delayMs = delayOption(values.delay);
    return withStorage(location, async (storage) => {
      const issuer = await issuerOf(storage, values.issuer);
      const next = await rotateSigningKey(storage, { issuer, ...(delayMs === undefined ? {} : { delayMs }) });
      console.log(`authmesh: published key ${next.kid}; it signs from ${new Date(next.activates_at).toISOString()}`);
      return 0;
    });
  }
  if (action === 'revoke') {
    const [kid, ...more] = rest;
    if (!kid) throw new UsageError(`revoke needs a kid (see authmesh keys list)\n${KEYS_USAGE}`);
    if (more.length > 0) throw new UsageError(`unexpected argument "${more[0]}"\n${KEYS_USAGE}`);
    return withStorage(location, async (storage) => {
      await revokeSigningKey(storage, kid);
      console.log(`authmesh: revoked key ${kid}; it has left the JWKS`);
      return 0;
    });
  }
  throw new UsageError(`unknown keys action "${action}"\n${KEYS_USAGE}`);
}

function delayOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(seconds)) {
    throw new UsageError(`--delay must be a number of seconds, e.g. --delay 600 (got "${value}")`);
  }
  return seconds * 1000;
}

/** One line per key, newest first: kid, phase, and the times that matter for it. */
export function formatKeys(keys: readonly SigningKeySummary[]): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  return keys
    .map((key) => {
      const times = [
        key.phase === 'next' ? `signs from ${iso(key.activates_at)}` : undefined,
        key.retires_at === undefined ? undefined : `published until ${iso(key.retires_at)}`,
        key.revoked_at === undefined ? undefined : `revoked ${iso(key.revoked_at)}`,
      ].filter((t) => t !== undefined);
      return `${key.kid}  ${key.phase.padEnd(8)}  ${times.join(', ')}`.trimEnd();
    })
    .join('\n');
}
