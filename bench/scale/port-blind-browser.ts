/**
 * The testkit's scripted browser with one cookie jar per host name rather than per host:port. Real browsers do
 * this (cookies are not isolated by port), and it is what lets one login run across two tenant processes on
 * one host: started on process B's port, resumed at the issuer (process A's port) with B's cookies.
 */
import { ScriptedBrowser } from '@authmesh/testkit';

export class PortBlindBrowser extends ScriptedBrowser {
  readonly #jars = new Map<string, Map<string, string>>();

  override async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const jar = this.#jars.get(target.hostname) ?? new Map<string, string>();
    this.#jars.set(target.hostname, jar);
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  }
}
