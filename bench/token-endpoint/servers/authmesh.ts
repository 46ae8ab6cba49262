/**
 * Target (c): authmesh as users run it: createTenant with the server test fixture, real SQLite on disk in a
 * temp dataDir. The tenant's signing key is pre-seeded with the RSA private JWK from BENCH_KEY_FILE so that
 * it signs with the same key as the baselines. Prints its URL as the first stdout line; removes the dataDir
 * on SIGTERM.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTenant, openSqliteStorage } from '@authmesh/server';
import { fixtureConfig } from '@authmesh/testkit';
import type { SigningJwk } from '../signing-key.ts';

const jwk = JSON.parse(readFileSync(process.env.BENCH_KEY_FILE ?? '', 'utf8')) as SigningJwk;
const dataDir = mkdtempSync(join(tmpdir(), 'authmesh-bench-'));

// 'keys:signing' is the state key loadSigningKeys() reads (packages/server/src/tenant/keys.ts); run.ts checks
// the issued token's kid, so a rename there shows up as a failed check, not as a silently different key.
const seed = openSqliteStorage({ path: join(dataDir, 'tenant.db'), sweepIntervalMs: 0 });
await seed.setStateIfAbsent('keys:signing', [jwk]);
await seed.close();

const tenant = await createTenant({
  config: fixtureConfig(),
  port: 0,
  dataDir,
  onError: (error) => console.error('authmesh server_error:', error),
});
console.log(tenant.url);

process.on('SIGTERM', () => {
  void tenant.close().finally(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
