import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeMode = 'normal' | 'hang' | 'reset' | 'trickle';

/** How the fake tenant answers, changed by tests between requests. */
export interface FakeTenantScript {
  /** The JWKS served (an object is JSON-encoded, a string sent as is). */
  jwks: unknown;
  jwksStatus: number;
  discoveryStatus: number;
  /** Members merged into (or, when `undefined`, removed from) the discovery document. */
  discovery: Record<string, unknown>;
  /**
   * `normal`; `hang`: accept the request and never answer; `reset`: destroy the connection; `trickle`:
   * send headers, then one byte every 50 ms, never finishing.
   */
  mode: FakeMode;
  /** Overrides `mode` for the JWKS endpoint only (discovery keeps answering). */
  jwksMode: FakeMode | undefined;
  /** When set, the JWKS endpoint answers 302 to this URL. */
  jwksRedirect: string | undefined;
  /** When set, the discovery endpoint answers 302 to this URL. */
  discoveryRedirect: string | undefined;
  /** Send the JWKS without `content-length` (chunked), so that only a streaming cap can stop it. */
  chunked: boolean;
}

/**
 * A scriptable stand-in for the tenant on 127.0.0.1: discovery at `/.well-known/openid-configuration`
 * (issuer `http://127.0.0.1:<port>/`) and the JWKS at `/.well-known/jwks.json`, with request counters.
 * `stop()` closes the port (connections are refused), `start()` listens again on the same port.
 */
export class FakeTenant {
  readonly counts = { discovery: 0, jwks: 0, other: 0 };
  /** Requests accepted but not answered (hang / trickle). */
  pending = 0;
  readonly script: FakeTenantScript;
  #server: Server;
  #port = 0;
  readonly #open = new Set<ServerResponse>();
  readonly #timers = new Set<NodeJS.Timeout>();

  private constructor(jwks: unknown) {
    this.script = {
      jwks,
      jwksStatus: 200,
      discoveryStatus: 200,
      discovery: {},
      mode: 'normal',
      jwksMode: undefined,
      jwksRedirect: undefined,
      discoveryRedirect: undefined,
      chunked: false,
    };
    this.#server = this.#createServer();
  }

  static async start(jwks: unknown): Promise<FakeTenant> {
    const tenant = new FakeTenant(jwks);
    await tenant.start();
    return tenant;
  }

  get port(): number {
    return this.#port;
  }
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  get issuer(): string {
    return `${this.url}/`;
  }
  get jwksUri(): string {
    return `${this.url}/.well-known/jwks.json`;
  }
  get total(): number {
    return this.counts.discovery + this.counts.jwks + this.counts.other;
  }

  async start(): Promise<void> {
    if (this.#server.listening) return;
    this.#server = this.#createServer();
    this.#server.listen(this.#port, '127.0.0.1');
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /** Closes the port and every open connection: from now on connections are refused. */
  async stop(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.clear();
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    for (const res of this.#open) res.destroy();
    this.#open.clear();
    this.pending = 0;
    await closed;
  }

  close(): Promise<void> {
    return this.stop();
  }

  #createServer(): Server {
    const server = createServer((req, res) => this.#handle(req, res));
    server.keepAliveTimeout = 1_000;
    return server;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const script = this.script;
    if (path === '/.well-known/openid-configuration') this.counts.discovery += 1;
    else if (path === '/.well-known/jwks.json') this.counts.jwks += 1;
    else this.counts.other += 1;

    const mode = path === '/.well-known/jwks.json' ? (script.jwksMode ?? script.mode) : script.mode;
    if (mode === 'reset') {
      req.socket.destroy();
      return;
    }
    if (mode === 'hang' || mode === 'trickle') {
      this.pending += 1;
      this.#open.add(res);
      res.on('close', () => {
        this.#open.delete(res);
        this.pending = Math.max(0, this.pending - 1);
      });
      if (mode === 'trickle') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"keys":[');
        const timer = setInterval(() => res.write(' '), 50);
        this.#timers.add(timer);
        res.on('close', () => {
          clearInterval(timer);
          this.#timers.delete(timer);
        });
      }
      return;
    }
    if (path === '/.well-known/openid-configuration') {
      if (script.discoveryRedirect) {
        res.writeHead(302, { location: script.discoveryRedirect, 'content-length': '0' });
        res.end();
        return;
      }
      const document: Record<string, unknown> = {
        issuer: this.issuer,
        jwks_uri: this.jwksUri,
        token_endpoint: `${this.url}/oauth/token`,
        id_token_signing_alg_values_supported: ['RS256'],
      };
      for (const [k, v] of Object.entries(script.discovery)) {
        if (v === undefined) delete document[k];
        else document[k] = v;
      }
      this.#send(res, script.discoveryStatus, JSON.stringify(document), false);
      return;
    }
    if (path === '/.well-known/jwks.json') {
      if (script.jwksRedirect) {
        res.writeHead(302, { location: script.jwksRedirect, 'content-length': '0' });
        res.end();
        return;
      }
      const body = typeof script.jwks === 'string' ? script.jwks : JSON.stringify(script.jwks);
      this.#send(res, script.jwksStatus, script.jwksStatus === 200 ? body : '{"error":"down"}', script.chunked);
      return;
    }
    this.#send(res, 404, '{"error":"not_found"}', false);
  }

  #send(res: ServerResponse, status: number, body: string, chunked: boolean): void {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(status, headers);
    if (chunked) {
      // Several writes without a length: the client sees a chunked stream.
      for (let i = 0; i < body.length; i += 16_384) res.write(body.slice(i, i + 16_384));
      res.end();
    } else {
      res.end(body);
    }
  }
}

/**
 * A listener that must never be contacted: it counts every request (and serves the attacker's JWKS, so
 * that a verifier following a token-supplied or redirected URL would be caught accepting a forgery).
 */
export class Canary {
  hits = 0;
  readonly paths: string[] = [];
  readonly #server: Server;

  private constructor(body: string) {
    this.#server = createServer((req, res) => {
      this.hits += 1;
      this.paths.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  }

  static async start(attackerJwks: unknown): Promise<Canary> {
    const canary = new Canary(JSON.stringify(attackerJwks));
    canary.#server.listen(0, '127.0.0.1');
    await once(canary.#server, 'listening');
    return canary;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * The injected clocks of a verifier: `wall` (seconds, token times) and `mono` (ms, key cache), moved by
 * the test; `random` feeds the backoff jitter.
 */
export function testClocks(wall = 1_750_000_000) {
  const clocks = {
    wall,
    mono: 1_000_000,
    random: (): number => 0.5,
    internals: {
      nowSeconds: (): number => clocks.wall,
      keyClock: { now: (): number => clocks.mono, random: (): number => clocks.random() },
    },
  };
  return clocks;
}

/** A small deterministic PRNG (mulberry32), for jitter that is random-looking but reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A `fetch` for the verifier that records every URL and lets the test wait until all requests it made
 * have been answered and handled (`idle()`), so that the injected clock is only moved between fetches.
 * Bodies are read in full before the verifier sees the response (the verifier's own caps still apply).
 */
export function trackingFetch() {
  const pending = new Set<Promise<unknown>>();
  const urls: string[] = [];
  const impl = ((input: string | URL | Request, init?: RequestInit) => {
    urls.push(String(input instanceof Request ? input.url : input));
    const done = (async () => {
      const response = await fetch(input, init);
      const body = await response.arrayBuffer();
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    })();
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    pending.add(settled);
    void settled.then(() => pending.delete(settled));
    return done;
  }) as typeof fetch;
  return {
    fetch: impl,
    urls,
    /** Resolves once every started request has settled and the verifier has handled its outcome. */
    async idle(): Promise<void> {
      for (;;) {
        while (pending.size > 0) await Promise.all(pending);
        // The verifier handles a settled response in microtasks (and may then start the next request,
        // discovery → JWKS): one macrotask turn lets all of them run.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (pending.size === 0) return;
      }
    },
  };
}
