import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type Provider from 'oidc-provider';
import { WorkerActionRunner } from './actions/runner.ts';
import type { ActionLogLine, ActionRunner } from './actions/types.ts';
import { keywordMappingsFromEnv } from './config/keyword-mappings.ts';
import type { KeywordEnv, KeywordMappings } from './config/keywords.ts';
import type { TenantConfig } from './config/types.ts';
import type { ConsoleAccess } from './console/access.ts';
import { createConsole } from './console/create-console.ts';
import { createEngine } from './engine/provider.ts';
import { requestState } from './engine/request-state.ts';
import { ENGINE_PATH_PREFIXES, ENGINE_PATHS, LOGIN_PATH, ROUTES } from './engine/routes.ts';
import { AuthmeshError } from './errors.ts';
import { createAuth0Requests } from './http/auth0-requests.ts';
import { publishAuthorizationRefusals } from './http/authorize-activity.ts';
import { createClientAuthGuard } from './http/client-auth-guard.ts';
import { createClientCredentialsFastPath } from './http/client-credentials-fast-path.ts';
import { type ClientIpResolver, createClientIpResolver } from './http/client-ip.ts';
import { CONTINUE_PATH, createActionContinue } from './http/continue.ts';
import { trackInFlight } from './http/drain.ts';
import { createEdge } from './http/edge.ts';
import { FailureThrottle } from './http/failure-throttle.ts';
import { createJwks } from './http/jwks.ts';
import { AUTH0_LOGOUT_PATH, createAuth0Logout } from './http/logout.ts';
import { createRefreshOverlap } from './http/refresh-overlap.ts';
import { createRouter } from './http/router.ts';
import { TokenSealer } from './http/sealed-token.ts';
import { publishTokenActivity, publishTokenRefusal } from './http/token-activity.ts';
import { createJwtUserinfo } from './http/userinfo.ts';
import { createWebMessageGuard } from './http/web-message.ts';
import { CsrfTokens } from './login/csrf.ts';
import { CHANGE_PASSWORD_PATH, createDbConnections, OUTBOX_PATH, SIGNUP_PATH } from './login/dbconnections.ts';
import { createLoginRoutes } from './login/login-routes.ts';
import { Outbox } from './login/outbox.ts';
import { createOutboxPage, createResetPasswordPage, RESET_PATH } from './login/reset-password.ts';
import { createManagementApi } from './management/create-management-api.ts';
import { followOtherProcesses } from './management/follow-changes.ts';
import { restoreTenantSettings } from './management/tenant-settings.ts';
import { createTestControl } from './management/test-control.ts';
import type { AuditEvent } from './management/types.ts';
import { createHealthRoutes, HEALTHZ_PATH, passesWithin, READYZ_PATH } from './observability/health.ts';
import type { Logger } from './observability/logger.ts';
import type { TenantMetrics } from './observability/metrics.ts';
import { type MetricsListener, startMetricsListener } from './observability/metrics-listener.ts';
import {
  createRequestObserver,
  createRequestRecorder,
  type RequestObserverOptions,
} from './observability/request-observer.ts';
import { createRouteLabeler } from './observability/route-label.ts';
import { countTokenIssuance } from './observability/token-issuance.ts';
import type { Storage } from './storage/contract.ts';
import { openStorage } from './storage/open.ts';
import { timeStorage } from './storage/timed-storage.ts';
import { isStorageFailure } from './storage/unavailable.ts';
import { ActivityFeed } from './tenant/activity.ts';
import type { TenantContext } from './tenant/context.ts';
import { loadCookieKeys } from './tenant/keys.ts';
import type { PasswordHasher } from './tenant/password-kdf.ts';
import { createPasswordHasher, type PasswordHashingOptions, PasswordHashingPool } from './tenant/password-pool.ts';
import { TenantRegistry } from './tenant/registry.ts';
import { seedTenant } from './tenant/seed.ts';
import { DEFAULT_ROTATION_DELAY_MS, SigningKeyRing } from './tenant/signing-key-ring.ts';

/** Where the tenant records the issuer it last ran with (for `authmesh export` / `import`). */
const LAST_ISSUER = 'tenant:issuer';

/** The issuer the tenant in this storage last ran with, if it ever ran. */
export function lastIssuer(storage: Storage): Promise<string | undefined> {
  return storage.getState<string>(LAST_ISSUER);
}

export interface TenantOptions {
  /** The validated configuration (see `loadTenantConfigFile`). */
  config: TenantConfig;
  /** TCP port; 0 picks a free one. Default 4000. */
  port?: number;
  /** Address to bind. Default `127.0.0.1`: the tenant is a local development server. */
  host?: string;
  /** Issuer URL; default `http://localhost:<port>/` (`https://` with `https`; trailing slash, as Auth0's). */
  issuer?: string;
  /**
   * Serve HTTPS with this certificate and key (PEM) instead of HTTP, e.g. from `ensureLocalCertificates`.
   * Auth0 SDKs such as node-auth0 hard-code `https://{domain}`, so this is what lets them run unchanged.
   */
  https?: { cert: string; key: string };
  /**
   * Where all state lives (`<dataDir>/tenant.db`): keys, sessions, grants, refresh tokens, generated
   * client ids and secrets. Default `./.authmesh`. `null` keeps everything in memory.
   */
  dataDir?: string | null;
  /**
   * A `postgres://` URL: state lives in that database instead of `dataDir` (schema migrated at start under an
   * advisory lock); several tenant processes may share it.
   */
  database?: string;
  /** Use this storage instead of opening one; the tenant then does not close it. */
  storage?: Storage;
  /** Receives engine errors that reached the top (5xx). Never receives tokens or secrets. */
  onError?: (error: Error) => void;
  /** Receives every change made through /api/v2 (who, what, when, from where; never a secret). */
  onAudit?: (event: AuditEvent) => void;
  /**
   * Reverse proxies whose `X-Forwarded-For` is believed: addresses or CIDR ranges (`10.0.0.0/8`, `::1`).
   * Default none: the client IP is the socket peer and `X-Forwarded-For` is ignored.
   */
  trustProxy?: string[];
  /** Logs, metrics and health endpoints for running in production (`authmesh serve`); none by default. */
  observe?: TenantObservability;
  /** Receives the Auth0 Actions' `console.*` lines and failures (with stacks), tagged with action and trigger. */
  onActionLog?: (line: ActionLogLine) => void;
  /** Time limit of one flow (all actions of one trigger run) in milliseconds; Auth0's 20 s by default (tests use a short one). */
  actionTimeoutMs?: number;
  /**
   * Keyword values for re-reading an edited action file (hot reload), as `loadTenantConfigFile` was given
   * them; `env` defaults to `process.env` and its `AUTH0_KEYWORD_REPLACE_MAPPINGS` wins, as there.
   */
  actionKeywords?: { env?: KeywordEnv; mappings?: KeywordMappings };
  /** Signing-key rotation (`POST /api/v2/keys/signing/rotate`, `authmesh keys rotate`). */
  keyRotation?: KeyRotationOptions;
  /**
   * Test mode: serves the runtime control API under `/__authmesh/test/` (add and change users, reset
   * them between tests), for requests carrying `Authorization: Bearer <token>`. Off unless given; never
   * for a production tenant (`authmesh serve` has no way to set it).
   */
  testMode?: { token: string };
  /**
   * The client-credentials fast path (docs/engine.md): successful machine-to-machine token requests answered in
   * front of the engine, with the engine's tokens, headers and metrics, for a fraction of the CPU; everything
   * else (every refusal included) still goes to the engine. Default on, unless the environment has
   * `AUTHMESH_CLIENT_CREDENTIALS_FAST_PATH=off`; `false` turns it off whatever the environment says.
   */
  clientCredentialsFastPath?: boolean;
  /**
   * Password hashing (argon2id) runs on worker threads of its own, off the event loop and off libuv's pool
   * that token signing uses, with a bounded queue: a login beyond it gets 503 with `Retry-After`
   * (docs/security.md). Default `max(1, cores - 1)` threads (at most 8), 32 waiting per thread;
   * `{ threads: 0 }` hashes on libuv's pool as before (unbounded). A `PasswordHasher` of your own is used as
   * it is, and the tenant does not close it (tests use one with a gate).
   */
  passwordHashing?: PasswordHashingOptions | PasswordHasher;
  /**
   * The console at `/console` (docs/console.md): `loopback` serves it to this machine only, without sign-in
   * (`authmesh dev`); `management-token` to anyone holding a Management API token with the read scopes
   * (`authmesh serve`). Absent: no console (404).
   */
  console?: {
    access: ConsoleAccess;
    /** The built app's directory; default `packages/server/console/` (tests use a fixture). */
    buildDir?: string;
  };
}

/** How the tenant rotates its signing keys and learns of rotations made by other processes. */
export interface KeyRotationOptions {
  /** How long a rotated-in key is published before it signs; default 10 minutes (an API's JWKS cache lifetime). */
  delayMs?: number;
  /** How often the key set is re-read from storage; default 1 s. */
  pollMs?: number;
  /** The clock the current key is computed from (milliseconds since the epoch); tests steer it. */
  now?: () => number;
}

/**
 * What a production tenant reports. `GET /healthz` and `GET /readyz` are always served on the tenant's
 * listener once `observe` is given; metrics only on their own listener (`metricsListener`), never on
 * the public one.
 */
export interface TenantObservability {
  /** Receives one `request` line per request (request id, route, status, duration, client IP). */
  logger?: Logger;
  /** Token issuance, refusals, logins, request and storage latency. */
  metrics?: TenantMetrics;
  /** Serve `GET /metrics` on this port and address (default address 127.0.0.1); needs `metrics`. */
  metricsListener?: { port: number; host?: string };
}

/** A client as the tenant runs it, for printing and for tests. */
export interface TenantClient {
  name: string;
  /** Absent for Auth0's generic application (a client declared without one). */
  app_type?: string;
  client_id: string;
  /** Only for confidential clients. */
  client_secret?: string;
  /** True when this start generated the secret (first run): `authmesh dev` prints only those. */
  client_secret_generated?: boolean;
}

export interface Tenant {
  readonly issuer: string;
  /** Base URL the server listens on (`http(s)://127.0.0.1:<port>`), for clients that cannot resolve the issuer host. */
  readonly url: string;
  readonly port: number;
  readonly clients: TenantClient[];
  readonly users: { email: string; user_id: string }[];
  readonly warnings: readonly string[];
  /** `http://host:port/metrics` when `observe.metricsListener` was given. */
  readonly metricsUrl?: string;
  /** `<issuer>console` when the tenant serves the console (`options.console`). */
  readonly consoleUrl?: string;
  /** Stops accepting connections, ends open ones, closes storage. Idempotent. */
  close(): Promise<void>;
  /**
   * Graceful stop: `/readyz` fails, no new connections are accepted, requests in flight finish (for at
   * most `graceMs`, default 10 s), keep-alive connections are closed, then storage. Idempotent; `close()`
   * afterwards is a no-op. The listener is closed before this returns (the promise is for the rest).
   */
  drain(graceMs?: number): Promise<void>;
}

/** How long a graceful stop waits for requests in flight by default. */
const DEFAULT_DRAIN_MS = 10_000;
/** A readiness probe that waits longer than this for storage reports it unreachable. */
const READINESS_STORAGE_MS = 2_000;

/**
 * Starts a tenant: opens (or creates) its storage, applies the configuration, and serves the Auth0
 * contract over HTTP (or HTTPS with `options.https`). Library entry without process side effects: it
 * prints nothing, installs no signal handlers and never exits the process; `authmesh dev` adds those.
 */
export async function createTenant(options: TenantOptions): Promise<Tenant> {
  // Refused before anything is bound or opened: a typo in a proxy range must not start an open tenant.
  const clientIp = createClientIpResolver(options.trustProxy);
  // Settings out of range are refused here too. Workers start with the first hash, not here: a tenant that
  // never checks a password never starts one, and nothing needs closing if the start fails before.
  const given = options.passwordHashing;
  const passwords =
    given !== undefined && 'derive' in given ? { hasher: given, close: async () => {} } : createPasswordHasher(given);
  const fastPath = clientCredentialsFastPathOn(options.clientCredentialsFastPath);
  // Until the engine is ready, the port answers 503 instead of leaving early requests hanging: the port
  // must be bound first because with port 0 the issuer depends on the port the system picks.
  const starting = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', 'cache-control': 'no-store' });
    res.end('{"error":"temporarily_unavailable","error_description":"The tenant is starting."}');
  };
  const server = options.https
    ? createHttpsServer({ cert: options.https.cert, key: options.https.key }, starting)
    : createServer(starting);
  const scheme = options.https ? 'https' : 'http';
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  const inFlight = trackInFlight(server);
  const host = options.host ?? '127.0.0.1';
  server.listen(options.port ?? 4000, host);
  try {
    await once(server, 'listening');
  } catch (cause) {
    throw new AuthmeshError(
      'ERR_TENANT_START',
      `cannot listen on ${host}:${options.port ?? 4000}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const { port } = server.address() as AddressInfo;
  const issuer = normaliseIssuer(options.issuer ?? `${scheme}://localhost:${port}/`);

  const ownsStorage = options.storage === undefined;
  let openedStorage: Storage;
  try {
    openedStorage = options.storage ?? (await openStorage({ database: options.database, dataDir: options.dataDir }));
  } catch (error) {
    server.close();
    throw error;
  }
  const metrics = options.observe?.metrics;
  // A pool given ready-made (tests) reports too, if it is one of ours.
  const hashingStats = passwords.stats ?? (given instanceof PasswordHashingPool ? () => given.stats : undefined);
  if (metrics && hashingStats) metrics.watchPasswordHashing(hashingStats);
  const storage = metrics
    ? timeStorage(openedStorage, (operation, ok, seconds) => metrics.storageOperation(operation, ok, seconds))
    : openedStorage;
  let metricsListener: MetricsListener | undefined;
  let actions: WorkerActionRunner | undefined;
  let signing: SigningKeyRing | undefined;
  let stopFollowing: (() => void) | undefined;
  try {
    const seeded = await seedTenant(storage, options.config, issuer, { passwordHasher: passwords.hasher });
    await storage.setState(LAST_ISSUER, issuer);
    const registry = new TenantRegistry(storage, issuer);
    await registry.refresh();
    const rotation = options.keyRotation ?? {};
    const keyRing = await SigningKeyRing.open(storage, {
      ...(rotation.now ? { now: rotation.now } : {}),
      ...(rotation.pollMs === undefined ? {} : { pollMs: rotation.pollMs }),
    });
    signing = keyRing;
    const cookies = await loadCookieKeys(storage);
    // A copy: PATCH /api/v2/tenants/settings changes the running tenant's settings, never the caller's config.
    const tenant: TenantContext = {
      issuer,
      storage,
      registry,
      settings: { ...options.config.tenant },
      // Issued tokens travel in the activity stream only to a console on this machine.
      activity: new ActivityFeed({ includeTokens: options.console?.access === 'loopback' }),
      passwordHasher: passwords.hasher,
    };
    await restoreTenantSettings(tenant);
    // Changes other processes make through /api/v2 on the same storage are reloaded here.
    stopFollowing = followOtherProcesses(tenant);
    // One brute-force count per (user, IP) for the login page and the password grants.
    const loginThrottle = new FailureThrottle({ counters: storage.counters, scope: 'login' });
    // Client secrets are machine-generated: 20 failures per (client, IP) block that pair for 5 minutes. One
    // instance for the token endpoint's guard and the client-credentials fast path: the same counts.
    const clientSecretThrottle = new FailureThrottle({
      maxAttempts: 20,
      blockMs: 5 * 60_000,
      ipBurst: 1_000,
      ipRefillPerMs: 1_000 / 3_600_000,
      counters: storage.counters,
      scope: 'client-secret',
    });
    // Auth0 Actions run in a worker started on first use; dependencies resolve next to the config file.
    actions = new WorkerActionRunner({
      registry,
      storage,
      resolveFrom: options.config.source.startsWith('<') ? process.cwd() : dirname(options.config.source),
      ...(options.actionTimeoutMs === undefined ? {} : { timeoutMs: options.actionTimeoutMs }),
      onLog: withActionLogActivity(tenant, options.onActionLog),
      keywords: actionKeywords(options.actionKeywords),
    });
    const provider = createEngine(tenant, { signing: keyRing, cookies }, { loginThrottle, actions });
    const ready = async () => {
      const failed: string[] = [];
      if (inFlight.draining) failed.push('draining');
      if (keyRing.current() === undefined) failed.push('signing_keys');
      if (!(await passesWithin(() => storage.getState(LAST_ISSUER), READINESS_STORAGE_MS))) failed.push('storage');
      return failed;
    };
    const stopConsole = installMiddleware(provider, options, {
      tenant,
      signing: keyRing,
      csrfKey: cookies[0] ?? '',
      clientIp,
      loginThrottle,
      clientSecretThrottle,
      ready,
      actions,
    });
    if (metrics && options.observe?.metricsListener) {
      metricsListener = await startMetricsListener(metrics, options.observe.metricsListener);
    }
    server.off('request', starting);
    const engine = provider.callback();
    const observer = options.observe;
    const answerFirst = fastPath
      ? createClientCredentialsFastPath({
          tenant,
          signing: keyRing,
          throttle: clientSecretThrottle,
          clientIp,
          engineLoadsClient: async (clientId) => (await provider.Client.find(clientId)) !== undefined,
          ...(observer && (observer.logger || observer.metrics)
            ? { recorder: createRequestRecorder(requestObserverOptions(observer)) }
            : {}),
          ...(metrics ? { metrics } : {}),
        })
      : undefined;
    server.on('request', answerFirst ? answerFirst(engine) : engine);

    const users = await storage.entities.list<{ email: string; user_id: string }>('user');
    let closed: Promise<void> | undefined;
    const stop = (graceMs: number) => {
      closed ??= (async () => {
        // Open console streams never finish by themselves: a graceful stop must not wait for them.
        stopConsole();
        await inFlight.drain(graceMs);
        stopFollowing?.();
        await actions?.close();
        await passwords.close();
        keyRing.close();
        await metricsListener?.close();
        if (ownsStorage) await storage.close();
      })();
      return closed;
    };
    return {
      issuer,
      url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
      port,
      clients: registry.clients().map((c) => ({
        name: c.name,
        ...(c.app_type === undefined ? {} : { app_type: c.app_type }),
        client_id: c.client_id,
        ...(c.client_secret !== undefined ? { client_secret: c.client_secret } : {}),
        ...(seeded.generatedSecrets.has(c.client_id) ? { client_secret_generated: true } : {}),
      })),
      users: users.items.map((u) => ({ email: u.doc.email, user_id: u.doc.user_id })),
      warnings: options.config.warnings,
      ...(metricsListener ? { metricsUrl: metricsListener.url } : {}),
      ...(options.console ? { consoleUrl: `${issuer}console` } : {}),
      close: () => stop(0),
      drain: (graceMs = DEFAULT_DRAIN_MS) => stop(graceMs),
    };
  } catch (error) {
    server.close();
    stopFollowing?.();
    await actions?.close();
    await passwords.close();
    signing?.close();
    await metricsListener?.close();
    if (ownsStorage) await storage.close();
    throw error;
  }
}

/** What `createTenant` built before the pipeline, and the pipeline's handlers share. */
interface PipelineParts {
  tenant: TenantContext;
  /** The key ring: JWKS, userinfo, key rotation, the console's token. */
  signing: SigningKeyRing;
  /** The first cookie key: CSRF tokens of the login pages and the refresh overlap's sealing key derive from it. */
  csrfKey: string;
  clientIp: ClientIpResolver;
  /** Failed logins per (user, IP): the login page and the password grants. */
  loginThrottle: FailureThrottle;
  /** Failed client authentications per (client, IP): the token endpoint's guard (and the fast path in front). */
  clientSecretThrottle: FailureThrottle;
  /** The readiness checks (`/readyz`): the names of those that fail. */
  ready: () => Promise<string[]>;
  actions: ActionRunner;
}

/**
 * The tenant's request pipeline, outermost first. Everything the Auth0 layer does to a request happens
 * here, in this order; what it does not answer itself, the engine (oidc-provider) answers. Returns what a
 * stop must do first: end the console's open activity streams.
 */
function installMiddleware(provider: Provider, options: TenantOptions, parts: PipelineParts): () => void {
  const { tenant, signing, csrfKey, clientIp, loginThrottle, clientSecretThrottle, ready, actions } = parts;
  const app = provider as unknown as {
    use(fn: unknown): void;
    on(event: string, fn: (ctx: object, error: Error) => void): void;
  };
  const auth0Requests = createAuth0Requests(tenant.registry);
  const clientAuthGuard = createClientAuthGuard(clientSecretThrottle);

  // The e-mails the tenant would send (password resets), shown on the outbox page instead.
  const outbox = new Outbox();
  const tenantName = tenant.settings.friendly_name ?? 'authmesh';
  const mailPages = { tenant, outbox, tenantName, actions };
  const dbConnections = createDbConnections({
    tenant,
    outbox,
    actions,
    onAudit: withAuditActivity(tenant, options.onAudit),
  });

  // 0. Observed tenants (authmesh serve): request id, access log and latency around everything else,
  //    then the health probes, answered before the edge pins the Host (probes use the pod's address).
  const observe = options.observe;
  if (observe) {
    if (observe.logger || observe.metrics) {
      app.use(createRequestObserver(requestObserverOptions(observe)));
    }
    app.use(createHealthRoutes(ready));
    if (observe.metrics) countTokenIssuance(app, tenant.registry, observe.metrics);
  }
  // 1. Every request: client IP, pinned Host; Auth0's token errors and security headers on the way out.
  app.use(createEdge({ issuer: tenant.issuer, clientIp, onTokenRefusal: (ctx) => publishTokenRefusal(ctx, tenant) }));
  // Issued tokens, refresh rotations and password-grant logins, for the console's stream.
  publishTokenActivity(app, tenant);
  publishAuthorizationRefusals(app, tenant);
  // 2. The Management API (/api/v2/...), entirely the tenant's own.
  app.use(
    createManagementApi({
      tenant,
      signing,
      rotationDelayMs: options.keyRotation?.delayMs ?? DEFAULT_ROTATION_DELAY_MS,
      ...(options.onError ? { onError: options.onError } : {}),
      onAudit: withAuditActivity(tenant, options.onAudit),
    }),
  );
  // 2a. The console (/console): its app and its API, when the tenant serves one.
  const consoleApp = options.console
    ? createConsole({
        access: options.console.access,
        ...(options.console.buildDir === undefined ? {} : { buildDir: options.console.buildDir }),
        tenant,
        signing,
        ...(options.onError ? { onError: options.onError } : {}),
      })
    : undefined;
  if (consoleApp) app.use(consoleApp.handle);
  // 2b. Test mode only: the control API test suites use between tests (never in production).
  if (options.testMode) {
    app.use(createTestControl({ tenant, config: options.config, token: options.testMode.token }));
  }
  // 3. The path table: each path's handlers in order, then the engine. Other spellings of engine paths: 404.
  app.use(
    createRouter({
      [ROUTES.authorization]: [createWebMessageGuard(tenant), auth0Requests],
      [ROUTES.token]: [
        auth0Requests,
        clientAuthGuard,
        // The overlap's live token is sealed under a key derived from the first cookie key (every process has it).
        createRefreshOverlap(provider, tenant.registry, tenant.storage, new TokenSealer(csrfKey, 'refresh-overlap')),
      ],
      [ROUTES.revocation]: [auth0Requests, clientAuthGuard],
      [ROUTES.userinfo]: [createJwtUserinfo(tenant, signing)],
      // The keys published now, not the ones the engine was built with (key rotation).
      [ROUTES.jwks]: [createJwks(signing)],
      [LOGIN_PATH]: [
        createLoginRoutes({
          tenant,
          provider,
          csrf: new CsrfTokens(csrfKey),
          throttle: loginThrottle,
          tenantName: tenant.settings.friendly_name ?? 'authmesh',
          actions,
          ...(options.observe?.metrics
            ? { onOutcome: options.observe.metrics.login.bind(options.observe.metrics) }
            : {}),
        }),
      ],
      [AUTH0_LOGOUT_PATH]: [createAuth0Logout(tenant, provider)],
      // Back from a page a post-login action redirected to (api.redirect.sendUserTo).
      [CONTINUE_PATH]: [createActionContinue(provider)],
      [SIGNUP_PATH]: [dbConnections],
      [CHANGE_PASSWORD_PATH]: [dbConnections],
      [OUTBOX_PATH]: [createOutboxPage(mailPages)],
      [RESET_PATH]: [createResetPasswordPage(mailPages)],
    }),
  );
  // 4. The engine reports its failures as typed errors; the edge turns them into Auth0's answers.
  const recordEngineError = (ctx: object, error: Error) => {
    requestState(ctx).engineError = error;
  };
  app.on('grant.error', recordEngineError);
  app.on('revocation.error', recordEngineError);
  app.on('server_error', (ctx, error) => {
    // Storage that cannot answer is 503 at the edge, not the engine's 500.
    if (isStorageFailure(error)) recordEngineError(ctx, error);
    options.onError?.(error);
  });
  return () => consoleApp?.close();
}

/** `onAudit` that also publishes each Management API write to the activity feed (the console's stream). */
function withAuditActivity(tenant: TenantContext, onAudit: TenantOptions['onAudit']): (event: AuditEvent) => void {
  return (event) => {
    tenant.activity.publish(() => {
      const { time: _time, ...write } = event;
      return { type: 'management', ...write };
    });
    onAudit?.(event);
  };
}

/** `onActionLog` that also publishes each Action's log line to the activity feed. */
function withActionLogActivity(
  tenant: TenantContext,
  onActionLog: TenantOptions['onActionLog'],
): (line: ActionLogLine) => void {
  return (line) => {
    tenant.activity.publish(() => ({ type: 'action_log', ...line }));
    onActionLog?.(line);
  };
}

/** What the request observer records and how it labels routes (the Koa chain's and the fast path's alike). */
function requestObserverOptions(observe: TenantObservability): RequestObserverOptions {
  return {
    ...(observe.logger ? { logger: observe.logger } : {}),
    ...(observe.metrics ? { metrics: observe.metrics } : {}),
    routeOf: createRouteLabeler(
      [
        ...ENGINE_PATHS,
        LOGIN_PATH,
        AUTH0_LOGOUT_PATH,
        CONTINUE_PATH,
        SIGNUP_PATH,
        CHANGE_PASSWORD_PATH,
        OUTBOX_PATH,
        RESET_PATH,
        HEALTHZ_PATH,
        READYZ_PATH,
      ],
      [...ENGINE_PATH_PREFIXES, '/api/v2/', '/.well-known/'],
    ),
    tokenPath: ROUTES.token,
    revocationPath: ROUTES.revocation,
    quietPaths: [HEALTHZ_PATH, READYZ_PATH],
  };
}

/**
 * Whether the client-credentials fast path runs: the option when given, else the environment's
 * `AUTHMESH_CLIENT_CREDENTIALS_FAST_PATH` (`on` or `off`, read once here), else on.
 */
function clientCredentialsFastPathOn(option: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (option !== undefined) return option;
  const value = env.AUTHMESH_CLIENT_CREDENTIALS_FAST_PATH;
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new AuthmeshError(
    'ERR_TENANT_START',
    `AUTHMESH_CLIENT_CREDENTIALS_FAST_PATH must be "on" or "off", not "${value}"`,
  );
}

/** The keywords for re-read action files, merged as `loadTenantConfigFile` merges them (the environment wins). */
function actionKeywords(given: TenantOptions['actionKeywords']): { env: KeywordEnv; mappings: KeywordMappings } {
  const env = given?.env ?? process.env;
  return { env, mappings: { ...given?.mappings, ...keywordMappingsFromEnv(env) } };
}

function normaliseIssuer(issuer: string): string {
  const url = URL.parse(issuer);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new AuthmeshError('ERR_TENANT_START', `issuer "${issuer}" must be an http(s) URL without query or fragment`);
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}
