import type { Page } from 'playwright-core';
import type { TestTenant, UserRef } from './start-tenant.ts';

/**
 * Logs `user` in on the tenant's real login page, which `page` must be showing (the app under test sent it
 * there), and waits until the tenant has sent the browser back to the app at `returnTo` (a URL glob).
 *
 * @example
 * ```ts
 * await page.click('text=Log in');
 * await login(tenant, page, 'customer@acme.test', { returnTo: 'http://localhost:5173/**' });
 * ```
 */
export async function login(
  tenant: TestTenant,
  page: Page,
  user: UserRef,
  options: { returnTo?: string } = {},
): Promise<void> {
  const email = typeof user === 'string' ? user : user.email;
  const password = typeof user === 'string' ? tenant.passwordOf(user) : user.password;
  await page.waitForURL(`${tenant.issuer}**`);
  await page.fill('input[name="username"]', email);
  await page.fill('input[name="password"]', password);
  const back =
    options.returnTo === undefined
      ? page.waitForURL((url) => !url.href.startsWith(tenant.issuer))
      : page.waitForURL(options.returnTo);
  await Promise.all([back, page.click('button[type="submit"]')]);
}
