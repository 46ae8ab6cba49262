import { parseArgs } from 'node:util';

export interface DevArgs {
  command: 'dev';
  config: string;
  port: number;
  data: string;
  issuer?: string;
  host: string;
  /** Serve HTTPS with a local CA's certificate kept in `<data>/tls`. */
  https: boolean;
  /** Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` is believed. */
  trustProxy: string[];
}

export interface ExportArgs {
  command: 'export';
  data: string;
  issuer?: string;
  out?: string;
  includeSecrets: boolean;
  users: boolean;
}

export interface ImportArgs {
  command: 'import';
  file: string;
  data: string;
  issuer?: string;
  dryRun: boolean;
}

export type Args = DevArgs | ExportArgs | ImportArgs | { command: 'help' } | { command: 'version' };

export class UsageError extends Error {}

export const USAGE = `Usage: authmesh <command> [options]

Commands:
  dev      Run a local Auth0-compatible tenant from a tenant.yaml
  export   Write the tenant in --data (changes made through /api/v2 included) as a Deploy CLI tenant.yaml
  import   Apply a tenant.yaml to the tenant in --data, idempotently (--dry-run shows the plan)

Options for dev:
  --config <file>   tenant.yaml in the Auth0 Deploy CLI format (required)
  --port <n>        port to listen on (default 4000)
  --data <dir>      where keys, sessions and generated credentials persist (default ./.authmesh)
  --issuer <url>    issuer URL (default http://localhost:<port>/, https:// with --https)
  --host <addr>     address to bind (default 127.0.0.1)
  --https           serve HTTPS: creates once a local CA and a certificate for localhost,
                    127.0.0.1 and ::1 in <data>/tls, and prints how to trust the CA
                    (NODE_EXTRA_CA_CERTS for Node apps such as node-auth0, the browser)
  --trust-proxy <cidr,…>
                    reverse proxies whose X-Forwarded-For names the client IP, e.g.
                    10.0.0.0/8,::1 (default none: the socket address is the client IP)

Options for export:
  --data <dir>        the tenant's data directory (default ./.authmesh)
  -o, --out <file>    write to a file instead of stdout
  --include-secrets   also write client secrets (never written otherwise)
  --no-users          leave users out (otherwise written with @@AUTHMESH_PASSWORD_…@@ placeholders)
  --issuer <url>      the tenant's issuer (default: the one it last ran with)

Options for import: authmesh import <tenant.yaml> [--dry-run] [--data <dir>] [--issuer <url>]
  Stop \`authmesh dev\` first (or restart it afterwards); for live changes use /api/v2.

  -h, --help        show this help
  -v, --version     show the version`;

/** Parses argv strictly: unknown flags and bad values are usage errors that name the fix. */
export function parseCommandLine(argv: string[]): Args {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      data: { type: 'string' },
      issuer: { type: 'string' },
      host: { type: 'string' },
      https: { type: 'boolean' },
      'trust-proxy': { type: 'string', multiple: true },
      out: { type: 'string', short: 'o' },
      'include-secrets': { type: 'boolean' },
      'no-users': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) return { command: 'version' };
  if (values.help || positionals.length === 0) return { command: 'help' };
  const [command, ...extra] = positionals;
  const data = values.data ?? '.authmesh';
  const issuer = values.issuer === undefined ? {} : { issuer: values.issuer };
  if (command === 'export') {
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    return {
      command: 'export',
      data,
      ...issuer,
      ...(values.out === undefined ? {} : { out: values.out }),
      includeSecrets: values['include-secrets'] ?? false,
      users: !(values['no-users'] ?? false),
    };
  }
  if (command === 'import') {
    const [file, ...more] = extra;
    if (!file) throw new UsageError('import needs a file, e.g. authmesh import tenant.yaml --dry-run');
    if (more.length > 0) throw new UsageError(`unexpected argument "${more[0]}"`);
    return { command: 'import', file, data, ...issuer, dryRun: values['dry-run'] ?? false };
  }
  if (command !== 'dev') throw new UsageError(`unknown command "${command}"; the commands are dev, export and import`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (!values.config)
    throw new UsageError('--config <tenant.yaml> is required, e.g. authmesh dev --config examples/tenant.yaml');
  const port = values.port === undefined ? 4000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be an integer between 0 and 65535, got "${values.port}"`);
  }
  const args: DevArgs = {
    command: 'dev',
    config: values.config,
    port,
    data: values.data ?? '.authmesh',
    host: values.host ?? '127.0.0.1',
    https: values.https ?? false,
    trustProxy: (values['trust-proxy'] ?? []).flatMap((list) => list.split(',')).map((entry) => entry.trim()),
  };
  if (values.issuer !== undefined) args.issuer = values.issuer;
  return args;
}
