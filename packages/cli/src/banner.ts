import type { Tenant } from '@authmesh/server';

/**
 * What `authmesh dev` prints once the tenant answers: everything needed to point apps at it.
 * `trust` holds extra lines (how to trust the local CA with `--https`), printed before the stop hint.
 */
export function formatBanner(tenant: Tenant, readyMs: number, trust: readonly string[] = []): string {
  const lines = [
    `authmesh tenant ready in ${readyMs} ms`,
    '',
    `  issuer     ${tenant.issuer}`,
    `  discovery  ${tenant.issuer}.well-known/openid-configuration`,
    `  listening  ${tenant.url}`,
    '',
    '  applications',
  ];
  for (const client of tenant.clients) {
    lines.push(`    ${client.name} (${client.app_type})`);
    lines.push(`      client_id      ${client.client_id}`);
    if (client.client_secret) lines.push(`      client_secret  ${client.client_secret}`);
  }
  if (tenant.users.length > 0) {
    lines.push('', '  users (passwords as set in tenant.yaml)');
    for (const user of tenant.users) lines.push(`    ${user.email}  ${user.user_id}`);
  }
  for (const warning of tenant.warnings) lines.push(`  warning: ${warning}`);
  if (trust.length > 0) lines.push('', ...trust);
  lines.push('', '  Press Ctrl-C to stop.');
  return lines.join('\n');
}
