import type { TenantFacts } from './tenant.ts';

/** What the ready block shows. */
export interface BannerInput {
  readyMs: number;
  facts: TenantFacts;
  urls: { spa: string; catalog: string; orders: string; inventory: string };
  /** Why the SPA is not running, when it is not. */
  spaSkipped?: string;
  crossSite: boolean;
}

/**
 * The one block `npm start` prints once every process answers. Its first line (`… ready in N ms`) and
 * last line (`Press Ctrl-C …`) are what tests/e2e/support/reference-system.ts waits for: keep them.
 */
export function formatBanner(input: BannerInput): string {
  const { facts, urls } = input;
  const emailWidth = Math.max(...facts.users.map((u) => u.email.length));
  const passwordWidth = Math.max(...facts.users.map((u) => u.password.length));
  const lines = [`Acme Shop reference system ready in ${input.readyMs} ms`, ''];
  if (input.spaSkipped) lines.push(`  SPA    ${input.spaSkipped}; the tenant and the APIs are running`);
  else lines.push(`  Open   ${urls.spa}`);
  lines.push(
    `  Console ${facts.issuer}console  (who may call what, every token as it is issued, refusals, the inspector)`,
  );
  lines.push('', '  Sign in as');
  for (const user of facts.users) {
    lines.push(
      `    ${user.email.padEnd(emailWidth)}  ${user.password.padEnd(passwordWidth)}  (${user.roles.join(', ')})`,
    );
  }
  lines.push(
    '',
    '  Services',
    `    tenant     ${facts.issuer}`,
    `    catalog    ${urls.catalog}  API 1, Express; calls nobody`,
    `    orders     ${urls.orders}  API 2, Fastify; reads the catalog as "Orders Service" (read:products)`,
    `    inventory  ${urls.inventory}  API 3, Hono; adjusts the catalog as "Inventory Service" (read:products write:stock)`,
  );
  if (input.crossSite) {
    lines.push(
      '',
      `  Cross-site mode: the tenant (${new URL(facts.issuer).host}) is not same-site with the SPA (${new URL(urls.spa).host}).`,
      "  Browsers that block third-party cookies don't send the tenant's session cookie to the hidden iframe, so",
      '  silent authentication (prompt=none) fails with login_required; refresh tokens keep working, because the',
      '  SPA sends them to /oauth/token with fetch and no cookie is needed.',
    );
  }
  lines.push('', '  Press Ctrl-C to stop everything.');
  return lines.join('\n');
}
