import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { explainToken, loadTenantConfigFile, type PublicJwk } from '@authmesh/server';
import { UsageError } from './args.ts';
import { readRunningTenant } from './running-tenant.ts';

export const EXPLAIN_USAGE = `authmesh explain <jwt> --config <tenant.yaml> [--audience <api>] [--scope <s>]…
  Decodes the token, verifies it against the running tenant's keys (--issuer, default the one
  --data last ran with) and says whether the API would accept it, and exactly why not.
  Exit code 0 when it would, 1 when it would not.`;

/** `authmesh explain`: prints what the token is and the verdict; exit 0 accepted, 1 refused. */
export async function explainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      audience: { type: 'string' },
      scope: { type: 'string', multiple: true },
      issuer: { type: 'string' },
      data: { type: 'string' },
    },
  });
  const [token, ...extra] = positionals;
  if (token === undefined) throw new UsageError(`explain needs a token\n${EXPLAIN_USAGE}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (!values.config) throw new UsageError(`--config <tenant.yaml> is required\n${EXPLAIN_USAGE}`);
  const config = await loadTenantConfigFile(resolve(values.config));
  const running = await readRunningTenant(values.data ?? '.authmesh', values.issuer);
  const keys = await fetchKeys(running.issuer);
  const verdict = explainToken({ ...running, keys, config }, token, {
    ...(values.audience === undefined ? {} : { audience: values.audience }),
    scopes: (values.scope ?? []).flatMap((s) => s.split(' ')).filter(Boolean),
  });
  for (const fact of verdict.facts) console.log(`  ${fact}`);
  if (verdict.facts.length > 0) console.log('');
  console.log(verdict.summary);
  for (const reason of verdict.reasons) console.log(`- ${reason}`);
  return verdict.accepted ? 0 : 1;
}

async function fetchKeys(issuer: string): Promise<PublicJwk[]> {
  const url = new URL('.well-known/jwks.json', issuer);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw new UsageError(`cannot reach the tenant at ${url} (${(cause as Error).message}): start it, or pass --issuer`);
  }
  if (!response.ok) throw new UsageError(`${url} answered ${response.status}: is ${issuer} an authmesh tenant?`);
  return ((await response.json()) as { keys: PublicJwk[] }).keys;
}
