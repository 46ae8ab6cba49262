import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTenant, parseTenantConfig, type Tenant } from '@authmesh/server';
import type { Browser, Page } from 'playwright-core';

export { freePort } from '@authmesh/testkit';

/** Where the console tests save their screenshots (git-ignored; CI keeps them as artifacts). */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/console/', import.meta.url));

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let axeSource: string | undefined;

/** A page of the console, with every error the page logged or threw. */
export interface ConsolePage {
  page: Page;
  /** `console.error` lines and uncaught exceptions, in order. */
  errors: string[];
}

/** Opens `<issuer>console/#/<view>` in a fresh context of `browser` and waits for the app's header. */
export async function openConsole(
  browser: Browser,
  issuer: string,
  view: 'picture' | 'activity' | 'inspector' = 'picture',
): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  // A missing element fails the test with its selector instead of hanging until the test's timeout.
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${issuer}console/#/${view}`);
  await page.waitForSelector('[data-testid="tenant-name"]');
  return { page, errors };
}

/** Saves a screenshot (of the whole page unless `fullPage: false`) as test-artifacts/console/<name>.png. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: options.fullPage ?? true });
}

/** One axe-core finding, as much of it as a failure message needs. */
export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Runs axe-core (injected from the npm package, no network) on the page; returns serious and critical findings. */
export async function seriousAxeViolations(page: Page): Promise<AxeFinding[]> {
  // Evaluated through the DevTools protocol, not added as a <script>: the console's CSP (script-src 'self')
  // rightly blocks inline scripts, and the test must not weaken it (bypassCSP) to run.
  axeSource ??= await readFile(AXE, 'utf8');
  await page.evaluate(axeSource);
  // A string, not a function: this file is type-checked without the DOM library.
  const violations = (await page.evaluate('axe.run().then((result) => result.violations)')) as Array<{
    id: string;
    impact: string | null;
    help: string;
    nodes: Array<{ target: string[] }>;
  }>;
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.flatMap((n) => n.target) }));
}

/**
 * A tenant in this process from tenant configuration text (YAML or JSON), with the console on loopback
 * (`authmesh dev`) or behind a Management API token (`authmesh serve`).
 */
export async function startConsoleTenant(
  configText: string,
  options: { access?: 'loopback' | 'management-token'; port?: number } = {},
): Promise<Tenant> {
  const port = options.port ?? 0;
  return createTenant({
    config: parseTenantConfig(configText, '<inline>'),
    port,
    ...(port === 0 ? {} : { issuer: `http://localhost:${port}/` }),
    dataDir: null,
    console: { access: options.access ?? 'loopback' },
  });
}

/**
 * A large tenant's configuration: `clients` machine-to-machine applications over three APIs, each with a
 * client grant on one or two of them, and three roles.
 */
export function largeTenantConfig(clients: number): string {
  const apis = ['alpha', 'beta', 'gamma'].map((name) => ({
    name: `API ${name}`,
    identifier: `https://${name}.example.test`,
    scopes: [
      { value: `read:${name}`, description: `Read ${name}` },
      { value: `write:${name}`, description: `Write ${name}` },
    ],
    enforce_policies: true,
    token_dialect: 'access_token_authz',
  }));
  const names = Array.from({ length: clients }, (_, i) => `Service ${String(i + 1).padStart(3, '0')}`);
  return JSON.stringify({
    tenant: { friendly_name: `Large tenant (${clients} applications)` },
    resourceServers: apis,
    clients: names.map((name) => ({ name, app_type: 'non_interactive', grant_types: ['client_credentials'] })),
    clientGrants: names.flatMap((name, i) => {
      const first = apis[i % 3]!;
      const grants = [{ client_id: name, audience: first.identifier, scope: [first.scopes[0]!.value] }];
      if (i % 4 === 0) {
        const second = apis[(i + 1) % 3]!;
        grants.push({ client_id: name, audience: second.identifier, scope: second.scopes.map((s) => s.value) });
      }
      return grants;
    }),
    roles: apis.map((api) => ({
      name: `${api.name} reader`,
      permissions: [{ permission_name: api.scopes[0]!.value, resource_server_identifier: api.identifier }],
    })),
  });
}

/**
 * A JWT that expired `secondsAgo` seconds ago, signed with a throwaway RSA key (so its signature does not
 * verify with the tenant's keys): what a person pastes from an old log line.
 */
export function expiredJwt(issuer: string, audience: string, secondsAgo: number): { token: string; exp: number } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  const exp = now - secondsAgo;
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'RS256', typ: 'JWT', kid: 'an-old-key' });
  const payload = encode({
    iss: issuer,
    sub: 'auth0|someone',
    aud: audience,
    iat: exp - 3600,
    exp,
    scope: 'read:products',
  });
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url');
  return { token: `${header}.${payload}.${signature}`, exp };
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the elapsed milliseconds or throws. */
export async function within(timeoutMs: number, check: () => Promise<boolean>, what: string): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
