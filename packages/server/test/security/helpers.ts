import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { fixtureConfig, hiddenInput, ScriptedBrowser } from '@authmesh/testkit';
import type { Tenant } from '../../src/create-tenant.ts';
import { createTenant } from '../../src/create-tenant.ts';

/** The fixture tenant's actors (see ../support/fixture-config.ts). */
export const SPA = { clientId: 'spa-client-0001', redirectUri: 'http://localhost:5173/callback' } as const;
export const BACKOFFICE = {
  clientId: 'backoffice-0001',
  clientSecret: 'backoffice-secret-0123456789abcdef0123456789ab',
  redirectUri: 'https://app.example.test/callback',
} as const;
export const ORDERS = {
  clientId: 'orders-m2m-0001',
  clientSecret: 'orders-secret-0123456789abcdef0123456789abcdef',
} as const;
export const CATALOG = 'https://catalog.example.test';
export const ORDERS_API = 'orders-api';
export const ALICE = { username: 'alice@example.test', password: 'correct horse battery staple' } as const;
export const BOB = { username: 'bob@example.test', password: 'staff password 1234' } as const;

/** One in-memory fixture tenant on a free port. */
export function startTenant(): Promise<Tenant> {
  return createTenant({ config: fixtureConfig(), port: 0, dataDir: null });
}

export interface JsonReply {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or `{}` when the body is not JSON. */
  json: Record<string, unknown>;
  text: string;
}

/** POST /oauth/token with a urlencoded body. */
export async function tokenRequest(
  issuer: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<JsonReply> {
  const response = await fetch(new URL('oauth/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
  return readReply(response);
}

export async function readReply(response: Response): Promise<JsonReply> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
  } catch {
    // not JSON: leave `json` empty, the test looks at `text`
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** `Authorization: Basic` per RFC 6749 §2.3.1 (form-urlencoded id and secret). */
export function basicAuth(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

/** `/authorize` URL with exactly these query parameters (nothing added). */
export function authorizeUrl(issuer: string, params: Record<string, string>): URL {
  const url = new URL('authorize', issuer);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url;
}

/** Header and payload of a compact JWS, without verifying it. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  const decode = (part: string | undefined) =>
    JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: decode(h), payload: decode(p) };
}

export interface LoginPage {
  browser: ScriptedBrowser;
  /** The `/u/login?state=…` URL the form posts to. */
  url: string;
  response: Response;
  html: string;
  csrf: string;
  transaction: string;
}

/** Starts an SPA authorization (with PKCE) in `browser` and stops on the login page. */
export async function openLoginPage(
  issuer: string,
  browser: ScriptedBrowser = new ScriptedBrowser(),
  extra: Record<string, string> = {},
): Promise<LoginPage> {
  const authorize = authorizeUrl(issuer, {
    client_id: SPA.clientId,
    response_type: 'code',
    redirect_uri: SPA.redirectUri,
    scope: 'openid profile email',
    state: 'login-page-state',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...extra,
  });
  const { response, url } = await browser.follow(authorize, SPA.redirectUri);
  const html = await response.text();
  if (response.status !== 200) throw new Error(`no login page (${response.status} at ${url}): ${html.slice(0, 200)}`);
  const csrf = hiddenInput(html, 'csrf');
  const transaction = hiddenInput(html, 'state');
  if (!csrf || !transaction) throw new Error(`login page without csrf/state at ${url}`);
  return { browser, url, response, html, csrf, transaction };
}

/** Posts the login form of `page` (no redirects followed). */
export function submitLogin(
  page: Pick<LoginPage, 'browser' | 'url'>,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
  browser: ScriptedBrowser = page.browser,
): Promise<Response> {
  return browser.request(page.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields),
  });
}

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A request through `node:http`, for what fetch cannot do: a forged `Host` header, or a chosen local
 * address (another loopback IP as a distinct client).
 */
export function rawRequest(
  url: string | URL,
  options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<RawReply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: { host: target.host, ...options.headers },
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * A minimal browser over `node:http` bound to one local address: cookie jar and manual redirects, enough
 * to drive the login form as a client with a different IP than the other tests. `headers` go with every
 * request (such as `X-Forwarded-For`, for a proxy speaking for a client).
 */
export class LocalAddressBrowser {
  readonly #jar = new Map<string, string>();
  readonly #localAddress: string;
  readonly #headers: Record<string, string>;

  constructor(localAddress: string, headers: Record<string, string> = {}) {
    this.#localAddress = localAddress;
    this.#headers = headers;
  }

  async request(
    url: string | URL,
    init: { method?: string; form?: Record<string, string>; body?: string; headers?: Record<string, string> } = {},
  ): Promise<RawReply> {
    const headers: Record<string, string> = { ...this.#headers, ...init.headers };
    if (this.#jar.size > 0) headers.cookie = [...this.#jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const reply = await rawRequest(url, {
      method: init.method ?? 'GET',
      headers,
      localAddress: this.#localAddress,
      body,
    });
    for (const line of reply.headers['set-cookie'] ?? []) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.#jar.delete(name);
      else this.#jar.set(name, value);
    }
    return reply;
  }

  /** Follows redirects until one leaves for `stopAt` (not fetched) or a non-redirect answers. */
  async follow(url: string | URL, stopAt: string): Promise<{ reply: RawReply; url: string }> {
    let current = new URL(url).href;
    let reply = await this.request(current);
    for (let hops = 0; hops < 10 && reply.status >= 300 && reply.status < 400; hops++) {
      const location = reply.headers.location;
      if (!location) break;
      current = new URL(location, current).href;
      if (current.startsWith(stopAt)) return { reply, url: current };
      reply = await this.request(current);
    }
    return { reply, url: current };
  }
}
