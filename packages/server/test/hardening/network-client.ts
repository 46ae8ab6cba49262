import { hiddenInput } from '@authmesh/testkit';
import { authorizeUrl, type RawReply, rawRequest, SPA } from '../security/helpers.ts';

/**
 * A browser over `node:http` that connects from one loopback address and adds fixed headers (such as
 * `X-Forwarded-For`) to every request: a distinct network client, or a proxy speaking for one.
 */
export class NetworkClient {
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
      this.#jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return reply;
  }

  /** Opens the login page of a fresh /authorize transaction of the fixture SPA. */
  async openLoginPage(issuer: string): Promise<{ url: string; csrf: string }> {
    let url = authorizeUrl(issuer, {
      client_id: SPA.clientId,
      response_type: 'code',
      redirect_uri: SPA.redirectUri,
      scope: 'openid',
      state: 'network-client',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).href;
    let reply = await this.request(url);
    for (let hops = 0; hops < 5 && reply.status >= 300 && reply.status < 400; hops++) {
      url = new URL(reply.headers.location ?? '', url).href;
      reply = await this.request(url);
    }
    const csrf = hiddenInput(reply.body, 'csrf');
    if (reply.status !== 200 || csrf === undefined) throw new Error(`no login page (${reply.status}) at ${url}`);
    return { url, csrf };
  }

  /** Posts one login attempt on a page from {@link openLoginPage}; returns the status (303 = logged in). */
  async login(page: { url: string; csrf: string }, username: string, password: string): Promise<number> {
    const reply = await this.request(page.url, { method: 'POST', form: { username, password, csrf: page.csrf } });
    return reply.status;
  }
}
