/**
 * The least of a browser a headless login needs: one cookie jar per host and redirects followed by hand,
 * so the flow can stop at the app's callback instead of fetching it.
 */
export class CookieBrowser {
  readonly #jar = new Map<string, Map<string, string>>();

  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookies = this.#jar.get(target.host);
    if (cookies && cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.#store(target.host, response);
    return response;
  }

  /** Follows redirects until one leads to `stopAt` (not fetched) or a page answers. */
  async follow(
    url: string | URL,
    stopAt: string,
    init: RequestInit = {},
  ): Promise<{ response: Response; url: string }> {
    let current = new URL(url).href;
    let response = await this.request(current, init);
    for (let hops = 0; hops < 10 && response.status >= 300 && response.status < 400; hops++) {
      const location = response.headers.get('location');
      if (!location) break;
      current = new URL(location, current).href;
      if (current.startsWith(stopAt)) return { response, url: current };
      response = await this.request(current);
    }
    return { response, url: current };
  }

  #store(host: string, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 1) continue;
      const jar = this.#jar.get(host) ?? new Map<string, string>();
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
      this.#jar.set(host, jar);
    }
  }
}

/** The value of a hidden input of the tenant's login form. */
export function hiddenInput(html: string, name: string): string | undefined {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  return match?.[1]?.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}
