import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the login page's form submissions end in (see login/login-routes.ts). */
export type LoginOutcome = 'success' | 'wrong_credentials' | 'blocked' | 'throttled' | 'signup' | 'external';

/** A label value for anything not known to the tenant: labels stay bounded whatever requests say. */
export const OTHER = 'other';
/** A token with no audience (an ID-token-only login) or several APIs of the registry. */
export const NO_AUDIENCE = 'none';

/** What the password-hashing pool reports (tenant/password-pool.ts `PasswordHashingStats`, the fields used). */
export interface PasswordHashingFigures {
  busy: number;
  queued: number;
  rescued: number;
  refused: number;
}

/** Seconds: a token request is a few milliseconds, a login with password hashing a few hundred. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: one storage call; SQLite answers in microseconds, a database over the network in milliseconds. */
const STORAGE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * The tenant's Prometheus metrics, in a registry of their own (two tenants in one process, as in tests,
 * never share counters). Every label value comes from a fixed set or from the tenant's registry (client
 * ids, API identifiers), never from raw request input, so a client cannot grow the number of series.
 */
export class TenantMetrics {
  /** The registry to expose, e.g. with {@link TenantMetrics.render}. */
  readonly registry: Registry;
  readonly #tokens: Counter<'grant_type' | 'client_id' | 'audience'>;
  readonly #refusals: Counter<'endpoint' | 'error'>;
  readonly #logins: Counter<'outcome'>;
  readonly #http: Histogram<'method' | 'route' | 'status'>;
  readonly #storage: Histogram<'operation' | 'outcome'>;

  /** @param options.processMetrics also collect Node's default process metrics (CPU, memory, event loop). */
  constructor(options: { processMetrics?: boolean } = {}) {
    this.registry = new Registry();
    const registers = [this.registry];
    this.#tokens = new Counter({
      name: 'authmesh_tokens_issued_total',
      help: 'Access tokens issued at /oauth/token, by grant type, client and audience.',
      labelNames: ['grant_type', 'client_id', 'audience'],
      registers,
    });
    this.#refusals = new Counter({
      name: 'authmesh_token_refusals_total',
      help: 'Error answers of /oauth/token and /oauth/revoke, by OAuth error code as sent to the client.',
      labelNames: ['endpoint', 'error'],
      registers,
    });
    this.#logins = new Counter({
      name: 'authmesh_logins_total',
      help: 'Login page submissions by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    this.#http = new Histogram({
      name: 'authmesh_http_request_duration_seconds',
      help: 'Time from request to response, by method, route of the path table and status class.',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.#storage = new Histogram({
      name: 'authmesh_storage_operation_duration_seconds',
      help: 'Time of one storage call, by operation and outcome (ok or error).',
      labelNames: ['operation', 'outcome'],
      buckets: STORAGE_BUCKETS,
      registers,
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'authmesh_' });
  }

  tokenIssued(grantType: string, clientId: string, audience: string): void {
    this.#tokens.inc({ grant_type: grantType, client_id: clientId, audience });
  }

  tokenRefused(endpoint: 'token' | 'revocation', error: string): void {
    this.#refusals.inc({ endpoint, error });
  }

  login(outcome: LoginOutcome): void {
    this.#logins.inc({ outcome });
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.#http.observe({ method, route, status: `${Math.floor(status / 100)}xx` }, seconds);
  }

  storageOperation(operation: string, ok: boolean, seconds: number): void {
    this.#storage.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds);
  }

  /**
   * Exposes the password-hashing pool's figures, read at each scrape: threads hashing and jobs waiting
   * (gauges), jobs rescued from a starved thread and logins refused because the queue was full (counters).
   * A rescue count that keeps growing means other work keeps every core busy; refusals mean logins get 503.
   */
  watchPasswordHashing(stats: () => PasswordHashingFigures): void {
    const registers = [this.registry];
    new Gauge({
      name: 'authmesh_password_hashing_jobs',
      help: 'Password hashes being computed (running) and waiting for a hashing thread (queued).',
      labelNames: ['state'],
      registers,
      collect() {
        const now = stats();
        this.set({ state: 'running' }, now.busy);
        this.set({ state: 'queued' }, now.queued);
      },
    });
    // Counters that only the pool counts: each scrape adds what it counted since the last one.
    const counted = (name: string, help: string, read: (now: PasswordHashingFigures) => number) => {
      let seen = 0;
      new Counter({
        name,
        help,
        registers,
        collect() {
          const total = read(stats());
          this.inc(total - seen);
          seen = total;
        },
      });
    };
    counted(
      'authmesh_password_hashes_rescued_total',
      'Password hashes given to the rescue thread because an idle-priority hashing thread got no CPU.',
      (now) => now.rescued,
    );
    counted(
      'authmesh_password_hashes_refused_total',
      'Password checks refused with 503 because the hashing queue was full.',
      (now) => now.refused,
    );
  }

  /** The exposition text and its content type, as a scrape expects them. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
