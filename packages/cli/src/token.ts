import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTenantConfigFile } from '@authmesh/server';
import { loginHeadlessly, requestToken, type TokenSet } from '@authmesh/testing';
import { UsageError } from './args.ts';
import { readRunningTenant } from './running-tenant.ts';

export const TOKEN_USAGE = `authmesh token --config <tenant.yaml> --client <name> --audience <api> [--scope <s>]
authmesh token --config <tenant.yaml> --user <email> --client <name> --audience <api> [--scope <s>]
  Prints an access token from the running tenant (--issuer, default the one --data last ran with):
  client credentials, or with --user the real login (authorization code + PKCE) through the login
  form, with the password tenant.yaml gives the user (or --password). --json prints the whole answer.`;

/** `authmesh token`: an access token from a running tenant, printed alone on stdout (for `$(…)`). */
export async function tokenCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      client: { type: 'string' },
      audience: { type: 'string' },
      scope: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      issuer: { type: 'string' },
      data: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.config || !values.client) throw new UsageError(`--config and --client are required\n${TOKEN_USAGE}`);
  const config = await loadTenantConfigFile(resolve(values.config));
  const running = await readRunningTenant(values.data ?? '.authmesh', values.issuer);
  const declared = config.clients.find((c) => c.name === values.client || c.client_id === values.client);
  const live = running.clients.find((c) => c.name === values.client || c.client_id === values.client);
  const clientId = live?.client_id ?? declared?.client_id;
  if (clientId === undefined) {
    throw new UsageError(
      `no client "${values.client}" with a known id: name one from ${values.config}, or pass --data`,
    );
  }
  const clientSecret = live?.client_secret ?? declared?.client_secret;
  const scope: Record<string, string> = values.scope === undefined ? {} : { scope: values.scope };
  let tokens: TokenSet;
  if (values.user === undefined) {
    if (!values.audience) throw new UsageError(`--audience is required for client credentials\n${TOKEN_USAGE}`);
    tokens = await requestToken(running.issuer, {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret ?? '',
      audience: values.audience,
      ...scope,
    });
  } else {
    const password = values.password ?? config.users.find((u) => u.email === values.user)?.password;
    if (password === undefined)
      throw new UsageError(`no password for ${values.user} in ${values.config}: pass --password`);
    const redirectUri = declared?.callbacks[0];
    if (redirectUri === undefined)
      throw new UsageError(`the client ${values.client} has no callback URL to log in through`);
    tokens = await loginHeadlessly({
      issuer: running.issuer,
      clientId,
      ...(clientSecret === undefined ? {} : { clientSecret }),
      redirectUri,
      username: values.user,
      password,
      ...(values.audience ? { audience: values.audience } : {}),
      scope: values.scope ?? 'openid profile email',
    });
  }
  console.log(values.json ? JSON.stringify(tokens, null, 2) : tokens.access_token);
  return 0;
}
