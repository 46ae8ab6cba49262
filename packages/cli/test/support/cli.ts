import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export { freePort } from '@authmesh/testkit';

/** The repository root, from this file's location (packages/cli/test/support/). */
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
/** The command as `npm install` links it: a `#!/usr/bin/env node` script, spawned directly (no shell, no npx). */
export const AUTHMESH = join(REPO, 'node_modules', '.bin', 'authmesh');
/** The entry script itself, for running it under another Node. */
export const BIN_SCRIPT = join(REPO, 'packages', 'cli', 'bin', 'authmesh.js');
export const EXAMPLE_CONFIG = join(REPO, 'examples', 'tenant.yaml');

/** The example tenant's actors (examples/tenant.yaml). */
export const SPA = { clientId: 'acme-shop-spa', redirectUri: 'http://localhost:5173/' } as const;
export const CATALOG = 'https://catalog.acme.test';
export const CUSTOMER = { username: 'customer@acme.test', password: 'customer-demo-password' } as const;
export const STAFF = { username: 'staff@acme.test', password: 'staff-demo-password' } as const;

/**
 * The environment a user's shell gives the command after `npm install`: the repository's
 * node_modules/.bin first on PATH, so that `#!/usr/bin/env node` finds the project's Node 24. NODE_OPTIONS
 * is dropped so that nothing of the test runner (e.g. warning filters) leaks into the command.
 */
export function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(REPO, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
  };
  delete env.NODE_OPTIONS;
  return env;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Rejects with a message naming `what` when `promise` has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const describe = () => (typeof what === 'function' ? what() : what);
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${describe()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const running = new Set<CliProcess>();

/** A spawned `authmesh` process with its output collected. */
export class CliProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** `performance.now()` just before the spawn. */
  readonly spawnedAt: number;
  /** Resolves once the process has exited and its output is fully read. */
  readonly exited: Promise<ExitInfo>;
  stdout = '';
  stderr = '';
  exit: ExitInfo | undefined;
  readonly #listeners = new Set<() => void>();

  constructor(args: string[], options: { command?: string; commandArgs?: string[] } = {}) {
    this.spawnedAt = performance.now();
    this.child = spawn(options.command ?? AUTHMESH, [...(options.commandArgs ?? []), ...args], {
      cwd: REPO,
      env: cliEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.stdout += chunk;
      this.#notify();
    });
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
      this.#notify();
    });
    this.exited = new Promise<ExitInfo>((resolve) => {
      this.child.once('error', (error) => {
        this.stderr += `\n[spawn error] ${error.message}`;
        this.exit = { code: null, signal: null };
        running.delete(this);
        this.#notify();
        resolve(this.exit);
      });
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        this.#notify();
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`authmesh did not start: ${this.stderr}`);
    return this.child.pid;
  }

  /** Everything the process printed, both streams. */
  get output(): string {
    return `${this.stdout}\n${this.stderr}`;
  }

  /** Resolves when `predicate` holds; rejects if the process exits first or after `ms`. */
  until(predicate: () => boolean, what: string, ms = 20_000): Promise<void> {
    return within(
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (predicate()) {
            this.#listeners.delete(check);
            resolve();
          } else if (this.exit) {
            this.#listeners.delete(check);
            reject(new Error(`authmesh exited (${JSON.stringify(this.exit)}) before ${what}\n${this.output}`));
          }
        };
        this.#listeners.add(check);
        check();
      }),
      ms,
      () => `${what}; output so far:\n${this.output}`,
    );
  }

  /** Waits for the banner and parses it. */
  async banner(ms = 20_000): Promise<Banner> {
    await this.until(() => this.stdout.includes('Press Ctrl-C to stop.'), 'the banner', ms);
    return parseBanner(this.stdout);
  }

  /** Waits (bounded) for the process to end. */
  waitForExit(ms = 15_000): Promise<ExitInfo> {
    return within(this.exited, ms, () => `authmesh (pid ${this.child.pid}) to exit; output:\n${this.output}`);
  }

  /** Sends `signal` and waits (bounded) for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGINT', ms = 15_000): Promise<ExitInfo> {
    if (!this.exit) this.child.kill(signal);
    return this.waitForExit(ms);
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/** Kills (SIGKILL, by pid) every process these helpers spawned that is still running; for afterAll/afterEach. */
export async function killLeftovers(): Promise<void> {
  const left = [...running];
  for (const cli of left) cli.child.kill('SIGKILL');
  await Promise.all(left.map((cli) => within(cli.exited, 10_000, `leftover authmesh pid ${cli.child.pid}`)));
}

/** Runs the command to completion (bounded) and returns its exit and output. */
export async function runCli(args: string[], ms = 20_000): Promise<ExitInfo & { stdout: string; stderr: string }> {
  const cli = new CliProcess(args);
  const exit = await cli.waitForExit(ms);
  return { ...exit, stdout: cli.stdout, stderr: cli.stderr };
}

export interface BannerClient {
  name: string;
  app_type: string;
  client_id: string;
  client_secret?: string;
}

export interface Banner {
  issuer: string;
  /** The port of the `listening` URL. */
  port: number;
  listening: string;
  readyMs: number;
  clients: BannerClient[];
  users: { email: string; user_id: string }[];
  text: string;
}

/** Reads what `authmesh dev` printed once ready (see packages/cli/src/banner.ts). */
export function parseBanner(stdout: string): Banner {
  const start = stdout.indexOf('authmesh tenant ready in');
  const end = stdout.indexOf('Press Ctrl-C to stop.', start);
  if (start < 0 || end < 0) throw new Error(`no banner in:\n${stdout}`);
  const text = stdout.slice(start, end + 'Press Ctrl-C to stop.'.length);
  const field = (name: string) => {
    const match = new RegExp(`^  ${name} +(\\S+)$`, 'm').exec(text);
    if (!match?.[1]) throw new Error(`banner without ${name}:\n${text}`);
    return match[1];
  };
  const listening = field('listening');
  const clients: BannerClient[] = [];
  const users: { email: string; user_id: string }[] = [];
  let section: 'applications' | 'users' | undefined;
  for (const line of text.split('\n')) {
    if (line === '  applications') section = 'applications';
    else if (line.startsWith('  users')) section = 'users';
    else if (section === 'applications') {
      const app = /^ {4}(\S.*) \((\w+)\)$/.exec(line);
      const id = /^ {6}client_id +(\S+)$/.exec(line);
      const secret = /^ {6}client_secret +(\S+)$/.exec(line);
      if (app?.[1] && app[2]) clients.push({ name: app[1], app_type: app[2], client_id: '' });
      else if (id?.[1] && clients.length > 0) clients[clients.length - 1]!.client_id = id[1];
      else if (secret?.[1] && clients.length > 0) clients[clients.length - 1]!.client_secret = secret[1];
    } else if (section === 'users') {
      const user = /^ {4}(\S+@\S+) +(\S+)$/.exec(line);
      if (user?.[1] && user[2]) users.push({ email: user[1], user_id: user[2] });
    }
  }
  return {
    issuer: field('issuer'),
    port: Number(new URL(listening).port),
    listening,
    readyMs: Number(/ready in (\d+) ms/.exec(text)?.[1]),
    clients,
    users,
    text,
  };
}

/** The banner's entry for the client called `name`. */
export function clientNamed(banner: Banner, name: string): BannerClient {
  const client = banner.clients.find((c) => c.name === name);
  if (!client) throw new Error(`no client "${name}" in the banner:\n${banner.text}`);
  return client;
}

/** Resolves with the error code of a TCP connection attempt to 127.0.0.1:`port`, or `'connected'`. */
export function tryConnect(port: number, host = '127.0.0.1'): Promise<string> {
  return within(
    new Promise<string>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    }),
    10_000,
    `a TCP connection attempt to ${host}:${port}`,
  );
}

/**
 * Retries `attempt` (each bounded by its own signal) until it resolves, or rethrows the last error once
 * `ms` have passed. Between attempts it only yields to the event loop: no fixed delays.
 */
export async function pollUntil<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  what: string,
  ms = 20_000,
): Promise<T> {
  const deadline = performance.now() + ms;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      return await attempt(AbortSignal.timeout(Math.max(1, Math.min(5_000, deadline - performance.now()))));
    } catch (error) {
      last = error;
    }
    await nextTurn();
  }
  throw new Error(`gave up after ${ms} ms waiting for ${what}: ${(last as Error)?.message}`, { cause: last });
}

export interface JsonReply {
  status: number;
  json: Record<string, unknown>;
  text: string;
}

async function reply(response: Response): Promise<JsonReply> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
  } catch {
    // not JSON; the caller looks at `text`
  }
  return { status: response.status, json, text };
}

/** GET a JSON document of the tenant. */
export async function getJson(url: string | URL, signal?: AbortSignal): Promise<JsonReply> {
  return reply(await fetch(url, { signal: signal ?? AbortSignal.timeout(10_000) }));
}

/** Polls discovery until it answers 200; resolves with the document. */
export async function discovery(issuer: string, ms = 20_000): Promise<Record<string, unknown>> {
  return pollUntil(
    async (signal) => {
      const answer = await getJson(new URL('.well-known/openid-configuration', issuer), signal);
      if (answer.status !== 200) throw new Error(`discovery answered ${answer.status}`);
      return answer.json;
    },
    `${issuer}.well-known/openid-configuration`,
    ms,
  );
}

/** POST /oauth/token with a urlencoded body. */
export async function tokenRequest(issuer: string, params: Record<string, string>): Promise<JsonReply> {
  const response = await fetch(new URL('oauth/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
    signal: AbortSignal.timeout(15_000),
  });
  return reply(response);
}

/** The client-credentials grant with the secret in the body (client_secret_post), as Auth0 SDKs send it. */
export function clientCredentials(issuer: string, client: BannerClient, audience: string): Promise<JsonReply> {
  return tokenRequest(issuer, {
    grant_type: 'client_credentials',
    client_id: client.client_id,
    client_secret: client.client_secret ?? '',
    audience,
  });
}

/** The `kid`s of the tenant's JWKS. */
export async function jwksKids(issuer: string): Promise<string[]> {
  const jwks = await getJson(new URL('.well-known/jwks.json', issuer));
  if (jwks.status !== 200) throw new Error(`jwks answered ${jwks.status}: ${jwks.text}`);
  return (jwks.json.keys as { kid: string }[]).map((k) => k.kid);
}

/** Header and payload of a compact JWS, without verifying it. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  const decode = (part: string | undefined) =>
    JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: decode(h), payload: decode(p) };
}

/** Text no run of the command may print. */
export const NOISE = ['ExperimentalWarning', 'oidc-provider WARNING'];
