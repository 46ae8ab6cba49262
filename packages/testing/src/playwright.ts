import type { Page } from 'playwright-core';
import { TestingError } from './errors.ts';
import { type StartTenantOptions, startTenant, type TestTenant, type UserRef } from './start-tenant.ts';

/**
 * The tenant whose login page to fill: a `TestTenant`, or any running tenant by its issuer (then users are
 * given as `{ email, password }`).
 */
export type LoginTenant = Pick<TestTenant, 'issuer'> & Partial<Pick<TestTenant, 'passwordOf'>>;

/**
 * Logs `user` in on the tenant's real login page, which `page` must be showing (the app under test sent it
 * there), and waits until the tenant has sent the browser back to the app at `returnTo` (a URL glob, a RegExp
 * or a predicate; default: any URL off the tenant).
 *
 * @example
 * ```ts
 * await page.click('text=Log in');
 * await login(tenant, page, 'customer@acme.test', { returnTo: (url) => url.origin === 'http://localhost:5173' });
 * ```
 */
export async function login(
  tenant: LoginTenant,
  page: Page,
  user: UserRef,
  options: { returnTo?: string | RegExp | ((url: URL) => boolean) } = {},
): Promise<void> {
  const email = typeof user === 'string' ? user : user.email;
  const password = typeof user === 'string' ? passwordOf(tenant, user) : user.password;
  await page.waitForURL(`${tenant.issuer}**`);
  await page.fill('input[name="username"]', email);
  await page.fill('input[name="password"]', password);
  const back =
    options.returnTo === undefined
      ? page.waitForURL((url) => !url.href.startsWith(tenant.issuer))
      : page.waitForURL(options.returnTo);
  await Promise.all([back, page.click('button[type="submit"]')]);
}

/**
 * A worker-scoped `@playwright/test` fixture: one tenant per worker, stopped when the worker ends.
 *
 * @example
 * ```ts
 * import { test as base } from '@playwright/test';
 * import { tenantFixture, type TestTenant } from '@authmesh/testing/playwright';
 * export const test = base.extend<{}, { tenant: TestTenant }>({ tenant: tenantFixture({ file: 'tenant.yaml' }) });
 * ```
 */
export function tenantFixture(
  options: StartTenantOptions,
): [(args: object, use: (tenant: TestTenant) => Promise<void>) => Promise<void>, { scope: 'worker' }] {
  // Playwright reads a fixture's dependencies from its source: the first parameter must be a destructuring pattern.
  // biome-ignore lint/correctness/noEmptyPattern: an empty pattern is how a fixture says it needs no other fixture
  const fixture = async ({}: object, use: (tenant: TestTenant) => Promise<void>) => {
    const tenant = await startTenant(options);
    try {
      await use(tenant);
    } finally {
      await tenant.stop();
    }
  };
  return [fixture, { scope: 'worker' }];
}

export type { TestTenant };

function passwordOf(tenant: LoginTenant, email: string): string {
  if (!tenant.passwordOf) {
    throw new TestingError('ERR_TESTING_UNKNOWN_USER', `no password known for ${email}: pass { email, password }`);
  }
  return tenant.passwordOf(email);
}
