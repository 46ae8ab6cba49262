import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createTenant, type RefreshTokenPolicy, type Tenant, type TenantConfig } from '@authmesh/server';
import { fixtureConfig } from '@authmesh/testkit';
import { type StaticServer, serveFiles } from './static-server.ts';

const require = createRequire(import.meta.url);

export interface SpaJsFixture {
  /** The page that loads the raw auth0-spa-js bundle (tests drive it through `window.spa`). */
  spa: StaticServer;
  /** The server fixture tenant, its SPA client registered for the page's origin. */
  tenant: Tenant;
  close(): Promise<void>;
}

/**
 * The auth0-spa-js test page on its own origin, and a tenant whose SPA client (`spa-client-0001`) allows
 * that origin as callback, web origin, CORS origin and logout URL, with optional MRRT policies and other
 * configuration (`overrides`, e.g. actions).
 */
export async function startSpaJsFixture(
  policies: RefreshTokenPolicy[] = [],
  overrides: Partial<TenantConfig> = {},
): Promise<SpaJsFixture> {
  const spa = await serveFiles({
    '/': fileURLToPath(new URL('../pages/spa-js.html', import.meta.url)),
    '/auth0-spa-js.production.js': require.resolve('@auth0/auth0-spa-js/dist/auth0-spa-js.production.js'),
  });
  const base = fixtureConfig(overrides);
  const tenant = await createTenant({
    port: 0,
    dataDir: null,
    config: {
      ...base,
      clients: base.clients.map((c) =>
        c.app_type === 'spa'
          ? {
              ...c,
              callbacks: [`${spa.url}/`],
              web_origins: [spa.url],
              allowed_origins: [spa.url],
              allowed_logout_urls: [`${spa.url}/`],
              refresh_token: { ...c.refresh_token, policies },
            }
          : c,
      ),
    },
  });
  return {
    spa,
    tenant,
    async close() {
      await tenant.close();
      await spa.close();
    },
  };
}

/** The claims of a JWT, undecoded signature (the tests only read what the tenant issued). */
export const decodeJwt = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
