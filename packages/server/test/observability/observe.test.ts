import { fixtureConfig, loginForCode } from '@authmesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { createJsonLogger } from '../../src/observability/logger.ts';
import { TenantMetrics } from '../../src/observability/metrics.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { ALICE, CATALOG, ORDERS, openLoginPage, SPA, submitLogin, tokenRequest } from '../security/helpers.ts';

/**
 * A tenant observed as `authmesh serve` observes it: JSON access lines with request ids, Prometheus
 * metrics on their own listener, health probes. The run below logs in (once wrongly, once rightly),
 * exchanges the code, refreshes, asks for client credentials and is refused; then the log must hold none
 * of the secrets or tokens involved, and the metrics must count each of those events under bounded labels.
 */
let tenant: Tenant;
const logLines: string[] = [];
/** Every secret and token the run handles: none may appear in a log line. */
const secrets: string[] = [ALICE.password, ORDERS.clientSecret];
/** Request input that must never become a metric label (a client could grow the series at will). */
const HOSTILE = 'hostile-label-7f3a9c';

beforeAll(async () => {
  tenant = await createTenant({
    config: fixtureConfig(),
    port: 0,
    dataDir: null,
    observe: {
      logger: createJsonLogger({ destination: { write: (line: string) => void logLines.push(line) } }),
      metrics: new TenantMetrics(),
      metricsListener: { port: 0 },
    },
  });

  const wrongPassword = 'not-alices-password-31337';
  secrets.push(wrongPassword);
  const page = await openLoginPage(tenant.issuer);
  const refused = await submitLogin(page, {
    username: ALICE.username,
    password: wrongPassword,
    csrf: page.csrf,
    state: page.transaction,
  });
  expect(refused.status).toBe(400);

  const login = await loginForCode({
    issuer: tenant.issuer,
    clientId: SPA.clientId,
    redirectUri: SPA.redirectUri,
    username: ALICE.username,
    password: ALICE.password,
    scope: 'openid profile email offline_access',
    audience: CATALOG,
  });
  secrets.push(login.code, login.verifier);
  const tokens = await tokenRequest(tenant.issuer, {
    grant_type: 'authorization_code',
    client_id: SPA.clientId,
    code: login.code,
    code_verifier: login.verifier,
    redirect_uri: SPA.redirectUri,
  });
  expect(tokens.status).toBe(200);
  const refreshToken = String(tokens.json.refresh_token);
  secrets.push(String(tokens.json.access_token), String(tokens.json.id_token), refreshToken);
  const refreshed = await tokenRequest(tenant.issuer, {
    grant_type: 'refresh_token',
    client_id: SPA.clientId,
    refresh_token: refreshToken,
  });
  expect(refreshed.status).toBe(200);
  secrets.push(String(refreshed.json.access_token), String(refreshed.json.refresh_token));

  const machine = await tokenRequest(tenant.issuer, {
    grant_type: 'client_credentials',
    client_id: ORDERS.clientId,
    client_secret: ORDERS.clientSecret,
    audience: CATALOG,
  });
  expect(machine.status).toBe(200);
  secrets.push(String(machine.json.access_token));

  const badSecret = await tokenRequest(tenant.issuer, {
    grant_type: 'client_credentials',
    client_id: ORDERS.clientId,
    client_secret: `${ORDERS.clientSecret}-wrong`,
    audience: CATALOG,
  });
  expect(badSecret.status).toBe(401);
  const badAudience = await tokenRequest(tenant.issuer, {
    grant_type: 'client_credentials',
    client_id: ORDERS.clientId,
    client_secret: ORDERS.clientSecret,
    audience: `https://${HOSTILE}.example/`,
  });
  expect(badAudience.status).toBe(403);
  const unknownClient = await tokenRequest(tenant.issuer, {
    grant_type: 'client_credentials',
    client_id: HOSTILE,
    client_secret: 'whatever-secret-value',
    audience: CATALOG,
  });
  expect(unknownClient.status).toBe(401);
  const badRefresh = await tokenRequest(tenant.issuer, {
    grant_type: 'refresh_token',
    client_id: SPA.clientId,
    refresh_token: `${HOSTILE}-not-a-refresh-token`,
  });
  expect(badRefresh.status).toBe(403);
  await fetch(new URL(`/${HOSTILE}/nowhere`, tenant.issuer));
});
afterAll(() => tenant?.close());

async function scrape(): Promise<string> {
  const response = await fetch(tenant.metricsUrl ?? 'http://metrics.invalid/');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** The value of one sample, e.g. `authmesh_logins_total{outcome="success"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('the access log', () => {
  it('is one JSON object per line, with a request id, route, status and duration', () => {
    const requests = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(10);
    for (const line of requests) {
      expect(line).toMatchObject({ level: 'info', service: 'authmesh' });
      expect(line.req_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof line.duration_ms).toBe('number');
    }
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', route: '/oauth/token', status: 401 }));
    expect(requests).toContainEqual(expect.objectContaining({ route: 'other', status: 404 }));
    // The login's return to /authorize/<interaction id>: the id is in neither the route nor the line.
    expect(requests).toContainEqual(expect.objectContaining({ method: 'GET', route: '/authorize/*' }));
  });

  it('holds no password, client secret, code, verifier or token of the run, and no query string', () => {
    const log = logLines.join('');
    expect(secrets.length).toBe(11);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(log).not.toContain(secret);
    }
    expect(log).not.toContain('code_challenge');
    expect(log).not.toContain(HOSTILE);
  });

  it('echoes a proxy-set X-Request-Id and logs it; replaces one that is not plain', async () => {
    const kept = await fetch(new URL('.well-known/jwks.json', tenant.issuer), {
      headers: { 'X-Request-Id': 'edge-42.abc' },
    });
    expect(kept.headers.get('x-request-id')).toBe('edge-42.abc');
    expect(logLines.some((line) => (JSON.parse(line) as { req_id?: string }).req_id === 'edge-42.abc')).toBe(true);
    const replaced = await fetch(new URL('.well-known/jwks.json', tenant.issuer), {
      headers: { 'X-Request-Id': '"><script>x</script>' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the metrics', () => {
  it('count tokens by grant type, client and audience as the registry names them', async () => {
    const text = await scrape();
    const issued = (grant: string, client: string, audience: string) =>
      sample(text, `authmesh_tokens_issued_total{grant_type="${grant}",client_id="${client}",audience="${audience}"}`);
    expect(issued('authorization_code', SPA.clientId, CATALOG)).toBe(1);
    expect(issued('refresh_token', SPA.clientId, CATALOG)).toBe(1);
    expect(issued('client_credentials', ORDERS.clientId, CATALOG)).toBe(1);
  });

  it('count refusals by the error code sent, and login outcomes', async () => {
    const text = await scrape();
    expect(sample(text, 'authmesh_token_refusals_total{endpoint="token",error="access_denied"}')).toBe(3);
    expect(sample(text, 'authmesh_token_refusals_total{endpoint="token",error="invalid_grant"}')).toBe(1);
    expect(sample(text, 'authmesh_logins_total{outcome="wrong_credentials"}')).toBe(1);
    expect(sample(text, 'authmesh_logins_total{outcome="success"}')).toBe(1);
  });

  it('time requests by route and storage calls by operation, with labels no request can choose', async () => {
    const text = await scrape();
    expect(
      sample(text, 'authmesh_http_request_duration_seconds_count{method="POST",route="/oauth/token",status="2xx"}'),
    ).toBe(3);
    expect(sample(text, 'authmesh_http_request_duration_seconds_count{method="GET",route="other",status="4xx"}')).toBe(
      1,
    );
    expect(
      sample(text, 'authmesh_storage_operation_duration_seconds_count{operation="model.upsert",outcome="ok"}'),
    ).toBeGreaterThan(0);
    expect(text).not.toContain(HOSTILE);
  });

  it("expose the tenant's password-hashing pool: after the logins nothing runs or waits, nothing was refused", async () => {
    const text = await scrape();
    expect(text).toContain('authmesh_password_hashing_jobs{state="running"} 0');
    expect(text).toContain('authmesh_password_hashing_jobs{state="queued"} 0');
    expect(text).toContain('authmesh_password_hashes_refused_total 0');
    expect(text).toMatch(/^authmesh_password_hashes_rescued_total \d+$/mu);
  });

  it('are not served on the tenant listener', async () => {
    expect((await fetch(new URL('/metrics', tenant.issuer))).status).toBe(404);
  });
});

describe('health probes', () => {
  it('/healthz and /readyz answer 200 on a running tenant, timed but without access lines; other methods 405', async () => {
    const linesBefore = logLines.length;
    const live = await fetch(new URL('/healthz', tenant.issuer));
    expect([live.status, await live.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(new URL('/readyz', tenant.issuer));
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    expect((await fetch(new URL('/readyz', tenant.issuer), { method: 'POST' })).status).toBe(405);
    // A load balancer's probes every few seconds would drown the log; a failed one is logged (the 405).
    expect(logLines.slice(linesBefore).map((line) => JSON.parse(line) as { route: string; status: number })).toEqual([
      expect.objectContaining({ route: '/readyz', status: 405 }),
    ]);
    const text = await scrape();
    expect(
      sample(text, 'authmesh_http_request_duration_seconds_count{method="GET",route="/readyz",status="2xx"}'),
    ).toBe(1);
  });

  it('/readyz answers 503 naming storage once storage is out of reach, while /healthz stays 200', async () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    const other = await createTenant({ config: fixtureConfig(), port: 0, storage, observe: {} });
    try {
      expect((await fetch(new URL('/readyz', other.issuer))).status).toBe(200);
      await storage.close();
      const ready = await fetch(new URL('/readyz', other.issuer));
      expect([ready.status, await ready.json()]).toEqual([503, { status: 'not_ready', failed: ['storage'] }]);
      expect((await fetch(new URL('/healthz', other.issuer))).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('are not served by a tenant without observe (authmesh dev)', async () => {
    const plain = await createTenant({ config: fixtureConfig(), port: 0, dataDir: null });
    try {
      expect((await fetch(new URL('/healthz', plain.issuer))).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
