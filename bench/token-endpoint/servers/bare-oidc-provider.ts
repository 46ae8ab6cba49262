/**
 * Baseline (b): bare oidc-provider issuing the same client-credentials JWT as authmesh (the engine's
 * reference setup for client credentials, with client_secret_post and the fixture's client). Reads the RSA private JWK from
 * BENCH_KEY_FILE, listens on a free loopback port and prints its URL as the first stdout line.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
import { AUDIENCE, CLIENT_ID, CLIENT_SECRET, SCOPE } from '../fixture.ts';

const jwk = JSON.parse(readFileSync(process.env.BENCH_KEY_FILE ?? '', 'utf8'));

const server = createServer();
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;

const configuration: Configuration = {
  jwks: { keys: [jwk] },
  cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      getResourceServerInfo: async () => ({
        scope: SCOPE,
        audience: AUDIENCE,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
};
// Default in-memory adapter (none configured).
const provider = new Provider(`http://localhost:${port}/`, configuration);
server.on('request', provider.callback());
console.log(`http://127.0.0.1:${port}`);
