import { startPostgres, type TestPostgres } from '@authmesh/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import { FailureThrottle } from '../../src/http/failure-throttle.ts';
import type { Storage } from '../../src/storage/contract.ts';
import type { CounterStore } from '../../src/storage/counters.ts';
import { openPostgresStorage } from '../../src/storage/postgres.ts';
import { CATALOG, clientCredentials, freePort, managementConfig, ORDERS } from '../management/support.ts';

/*
 * The brute-force throttle on Postgres remembers allowing verdicts for a second (no counter read per token);
 * a failure recorded by one tenant process is still enforced by every other one within that second: the
 * announcement (NOTIFY) drops what they remembered.
 */

/** The bound the throttle documents: a failure elsewhere is seen here within its cacheMs, 1 s by default. */
const PROPAGATION_MS = 1_000;

let server: TestPostgres;
const opened: Storage[] = [];
const tenants: Tenant[] = [];
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await Promise.all(tenants.map((t) => t.close()));
  await Promise.all(opened.map((s) => s.close()));
  await server?.stop();
});

/** Checks until the verdict is a refusal, or the deadline passes; returns the last verdict and when it came. */
async function checkUntilRefused(throttle: FailureThrottle, identifier: string, ip: string, withinMs: number) {
  const started = performance.now();
  for (;;) {
    const verdict = await throttle.check(identifier, ip);
    const elapsedMs = performance.now() - started;
    if (!verdict.allowed || elapsedMs > withinMs) return { verdict, elapsedMs };
  }
}

it('two processes: a failure recorded on A is announced to B, which drops the verdict it remembered', async () => {
  const url = await server.createDatabase();
  const a = await openPostgresStorage({ url, sweepIntervalMs: 0 });
  const b = await openPostgresStorage({ url, sweepIntervalMs: 0 });
  opened.push(a, b);
  // B remembers for a minute: only the announcement can make it refuse within the second.
  const options = { maxAttempts: 2, scope: 'client-secret', cacheMs: 60_000 };
  const onA = new FailureThrottle({ ...options, counters: a.counters });
  const onB = new FailureThrottle({ ...options, counters: b.counters });

  expect(await onB.check('client-1', '198.51.100.1')).toEqual({ allowed: true });
  await onA.recordFailure('client-1', '198.51.100.1');
  await onA.recordFailure('client-1', '198.51.100.1');
  expect(await onA.check('client-1', '198.51.100.1')).toMatchObject({ allowed: false, reason: 'blocked' });
  const { verdict, elapsedMs } = await checkUntilRefused(onB, 'client-1', '198.51.100.1', PROPAGATION_MS);
  expect(verdict, `still allowed after ${Math.round(elapsedMs)} ms`).toMatchObject({ allowed: false });
});

it('two tenants on one database: 20 wrong client secrets on A block that client on B within a second, even after B served it', async () => {
  const url = await server.createDatabase();
  const [portA, portB] = [await freePort(), await freePort()];
  // One issuer for both, as behind a load balancer: the tenant answers for the issuer whatever port it is on.
  const issuer = `http://localhost:${portA}/`;
  for (const port of [portA, portB]) {
    tenants.push(await createTenant({ config: managementConfig(issuer), port, issuer, database: url }));
  }
  const onA = issuer;
  const onB = `http://127.0.0.1:${portB}/`;

  expect((await clientCredentials(onB, ORDERS, CATALOG)).status).toBe(200);
  for (let i = 0; i < 20; i++) {
    const wrong = await clientCredentials(onA, { ...ORDERS, clientSecret: `wrong-${i}` }, CATALOG);
    expect(wrong.status).toBe(401);
  }
  const started = performance.now();
  let reply = await clientCredentials(onB, ORDERS, CATALOG);
  while (reply.status === 200 && performance.now() - started < PROPAGATION_MS) {
    reply = await clientCredentials(onB, ORDERS, CATALOG);
  }
  expect(reply.status).toBe(429);
  expect(reply.json).toMatchObject({ error: 'too_many_attempts' });
});

it('a client asking for token after token: the counters are read about once a second, not once per token', async () => {
  const url = await server.createDatabase();
  const storage = await openPostgresStorage({ url, sweepIntervalMs: 0 });
  opened.push(storage);
  const counters = counting(storage.counters);
  const port = await freePort();
  const issuer = `http://localhost:${port}/`;
  // The storage's methods bound to it (they use private fields), its counters counted.
  const withCounting = new Proxy(storage, {
    get: (target, property) => {
      if (property === 'counters') return counters;
      const member: unknown = Reflect.get(target, property, target);
      return typeof member === 'function' ? member.bind(target) : member;
    },
  });
  tenants.push(await createTenant({ config: managementConfig(issuer), port, issuer, storage: withCounting }));

  const requests = 40;
  const started = performance.now();
  for (let i = 0; i < requests; i++) expect((await clientCredentials(issuer, ORDERS, CATALOG)).status).toBe(200);
  const seconds = (performance.now() - started) / 1_000;
  // One read, then one more for every second the loop took (each remembered verdict lasts a second).
  expect(counters.reads).toBeGreaterThan(0);
  expect(counters.reads).toBeLessThanOrEqual(1 + Math.ceil(seconds));
  expect(counters.reads).toBeLessThan(requests);
});

/** `inner` with its reads counted. */
function counting(inner: CounterStore): CounterStore & { reads: number } {
  const wrapper = {
    reads: 0,
    read<T>(keys: readonly string[], now: number) {
      wrapper.reads += 1;
      return inner.read<T>(keys, now);
    },
    update: inner.update.bind(inner),
    delete: inner.delete.bind(inner),
    announce: inner.announce.bind(inner),
    version: inner.version.bind(inner),
  };
  return wrapper;
}
