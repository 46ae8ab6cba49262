import type { Tenant } from '@authmesh/server';

/** Options of {@link formatBanner}. */
export interface BannerOptions {
  /** Extra lines (how to trust the local CA with `--https`), printed before the stop hint. */
  trust?: readonly string[];
  /** Print every client secret (`--show-secrets`), not only those this start generated. */
  showSecrets?: boolean;
}

/** What the banner prints for a secret it keeps to itself. */
export const SECRET_NOT_SHOWN = '(set; authmesh export --include-secrets shows it)';

/**
 * What `authmesh dev` prints once the tenant answers: everything needed to point apps at it. A client
 * secret is printed once, by the start that generated it: terminal scrollback and CI logs are read by
 * more people than the data directory.
 */
export function formatBanner(tenant: Tenant, readyMs: number, options: BannerOptions = {}): string {
  const { trust = [], showSecrets = false } = options;
  const lines = [
    `authmesh tenant ready in ${readyMs} ms`,
    '',
    `  issuer     ${tenant.issuer}`,
    `  discovery  ${tenant.issuer}.well-known/openid-configuration`,
    `  listening  ${tenant.url}`,
    ...(tenant.consoleUrl === undefined ? [] : [`  console    ${tenant.consoleUrl}  (this machine only)`]),
    '',
    '  applications',
  ];
  for (const client of tenant.clients) {
    lines.push(`    ${client.name} (${client.app_type ?? 'generic'})`);
    lines.push(`      client_id      ${client.client_id}`);
    if (client.client_secret) {
      const shown = showSecrets || client.client_secret_generated === true;
      lines.push(`      client_secret  ${shown ? client.client_secret : SECRET_NOT_SHOWN}`);
    }
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
