import { startPostgres, type TestPostgres } from '@authmesh/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/contract.ts';
import { openPostgresStorage } from '../../src/storage/postgres.ts';
import { listSigningKeys, revokeSigningKey, rotateSigningKey } from '../../src/tenant/signing-key-admin.ts';
import { SigningKeyRing } from '../../src/tenant/signing-key-ring.ts';

/*
 * Rotations and revocations made at the same moment by processes sharing one Postgres database (a tenant
 * answering /api/v2/keys/signing/rotate, an operator running `authmesh keys rotate`) all take effect, in turn:
 * none is lost to another writing the key set over it.
 */

const TIMING = { delayMs: 60_000, retireAfterMs: 86_400_000 };

let server: TestPostgres;
const opened: Storage[] = [];
const rings: SigningKeyRing[] = [];
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  for (const ring of rings) ring.close();
  await Promise.all(opened.map((s) => s.close()));
  await server?.stop();
});

async function processes(count: number): Promise<{ storage: Storage; ring: SigningKeyRing }[]> {
  const url = await server.createDatabase();
  const result = [];
  for (let i = 0; i < count; i++) {
    const storage = await openPostgresStorage({ url, sweepIntervalMs: 0 });
    const ring = await SigningKeyRing.open(storage, { pollMs: 0 });
    opened.push(storage);
    rings.push(ring);
    result.push({ storage, ring });
  }
  return result;
}

it('four rotations at once from three processes (two tenants, one CLI) add four keys, each published', async () => {
  const [a, b, cli] = await processes(3);
  if (!a || !b || !cli) throw new Error('three processes expected');
  const [first] = a.ring.set.keys;

  const rotated = await Promise.all([
    a.ring.rotate(TIMING),
    b.ring.rotate(TIMING),
    a.ring.rotate(TIMING),
    rotateSigningKey(cli.storage, { issuer: 'http://localhost:4000/', delayMs: TIMING.delayMs }),
  ]);
  const added = rotated.map((key) => ('jwk' in key ? key.jwk.kid : key.kid));

  const keys = await listSigningKeys(cli.storage);
  expect(keys.map((k) => k.kid).sort()).toStrictEqual([first?.jwk.kid, ...added].sort());
  // Newest first: one next key per rotation, each activating no earlier than the one before it; the first
  // key still signs until the first of them activates, and retires after the last one does.
  expect(keys.map((k) => k.phase)).toStrictEqual(['next', 'next', 'next', 'next', 'current']);
  const activations = keys.slice(0, 4).map((k) => k.activates_at);
  expect(activations).toStrictEqual([...activations].sort((x, y) => y - x));
  const lastActivation = Math.max(...activations);
  expect(keys[4]?.retires_at).toBeGreaterThanOrEqual(lastActivation);

  // Every process reads the same set.
  await b.ring.refresh();
  await a.ring.refresh();
  expect(b.ring.set).toStrictEqual(a.ring.set);
  expect(a.ring.published().map((k) => k.jwk.kid)).toHaveLength(5);
});

it('revocations of two keys at once, from two processes, both hold; a rotation meanwhile is kept too', async () => {
  const [a, b] = await processes(2);
  if (!a || !b) throw new Error('two processes expected');
  const older = await a.ring.rotate({ delayMs: 0, retireAfterMs: TIMING.retireAfterMs });
  const newer = await a.ring.rotate({ delayMs: 0, retireAfterMs: TIMING.retireAfterMs });
  const [first] = a.ring.set.keys;
  // `newer` signs now; `first` and `older` are previous keys, still published.
  const [, , next] = await Promise.all([
    a.ring.revoke(String(first?.jwk.kid)),
    revokeSigningKey(b.storage, older.jwk.kid),
    b.ring.rotate(TIMING),
  ]);

  const phases = new Map((await listSigningKeys(b.storage)).map((k) => [k.kid, k.phase]));
  expect(phases).toStrictEqual(
    new Map([
      [String(first?.jwk.kid), 'revoked'],
      [older.jwk.kid, 'revoked'],
      [newer.jwk.kid, 'current'],
      [next.jwk.kid, 'next'],
    ]),
  );
});
