import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createTenant, type RefreshTokenPolicy, type Tenant, type TenantConfig } from '@authmesh/server';
import { fixtureConfig } from '@authmesh/testkit';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
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

export interface SpaJsBrowserFixture extends SpaJsFixture {
  /** Debian's Chromium; closed by `close()` before the tenant and the page's server. */
  browser: Browser;
}

/** `startSpaJsFixture`, and Chromium to drive the page. */
export async function startSpaJsBrowserFixture(
  policies: RefreshTokenPolicy[] = [],
  overrides: Partial<TenantConfig> = {},
): Promise<SpaJsBrowserFixture> {
  const fixture = await startSpaJsFixture(policies, overrides);
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    await fixture.close();
    throw error;
  }
  return {
    ...fixture,
    browser,
    async close() {
      await browser.close();
      await fixture.close();
    },
  };
}

/** What the test page asks for unless told otherwise: the Catalog API, with the OIDC scopes. */
export const CATALOG_AUTHORIZATION = {
  audience: 'https://catalog.example.test',
  scope: 'openid profile email read:catalog',
};

/**
 * Opens the test page in `page` with auth0-spa-js options for the SPA client (`extra` is merged into them)
 * and waits until `window.spa` is ready.
 */
export async function openSpaJs(
  page: Page,
  { spa, tenant }: Pick<SpaJsFixture, 'spa' | 'tenant'>,
  authorizationParams: Record<string, unknown> = CATALOG_AUTHORIZATION,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const options = {
    domain: tenant.issuer.slice(0, -1),
    clientId: 'spa-client-0001',
    authorizationParams: { redirect_uri: `${spa.url}/`, ...authorizationParams },
    ...extra,
  };
  await page.goto(`${spa.url}/#options=${encodeURIComponent(JSON.stringify(options))}`);
  await page.waitForFunction('window.spa.ready');
}

/** The claims of a JWT, undecoded signature (the tests only read what the tenant issued). */
export const decodeJwt = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
