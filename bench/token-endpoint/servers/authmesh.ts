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
import { EXCHANGE_CLIENT_ID, EXCHANGE_CLIENT_SECRET, PASSWORD_CLIENT_ID, SUBJECT_AUDIENCE } from '../fixture.ts';
import type { SigningJwk } from '../signing-key.ts';

const jwk = JSON.parse(readFileSync(process.env.BENCH_KEY_FILE ?? '', 'utf8')) as SigningJwk;
const dataDir = mkdtempSync(join(tmpdir(), 'authmesh-bench-'));

// 'keys:signing' is the state key loadSigningKeys() reads (packages/server/src/tenant/keys.ts); run.ts checks
// the issued token's kid, so a rename there shows up as a failed check, not as a silently different key.
const seed = openSqliteStorage({ path: join(dataDir, 'tenant.db'), sweepIntervalMs: 0 });
await seed.setStateIfAbsent('keys:signing', [jwk]);
await seed.close();

// The fixture plus what the On-Behalf-Of row needs: the password grant for the subject token, and a Custom
// API client of the Orders API with a user-delegated grant on the Catalog.
const base = fixtureConfig();
const backOffice = base.clients.find((c) => c.client_id === PASSWORD_CLIENT_ID);
if (!backOffice) throw new Error('the fixture has no Back Office client');
const config = {
  ...base,
  tenant: { ...base.tenant, default_directory: 'Username-Password-Authentication' },
  clients: [
    ...base.clients.map((c) => (c === backOffice ? { ...c, grant_types: [...c.grant_types, 'password' as const] } : c)),
    {
      ...backOffice,
      name: 'Orders API (client)',
      app_type: 'resource_server' as const,
      client_id: EXCHANGE_CLIENT_ID,
      client_secret: EXCHANGE_CLIENT_SECRET,
      callbacks: [],
      allowed_logout_urls: [],
      grant_types: ['client_credentials' as const],
      resource_server_identifier: SUBJECT_AUDIENCE,
      token_exchange: { allow_any_profile_of_type: ['on_behalf_of_token_exchange' as const] },
    },
  ],
  clientGrants: [
    ...base.clientGrants,
    {
      client_id: 'Orders API (client)',
      audience: 'https://catalog.example.test',
      scope: ['read:catalog'],
      subject_type: 'user' as const,
    },
  ],
};

const tenant = await createTenant({
  config,
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
