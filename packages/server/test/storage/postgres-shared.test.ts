import { startPostgres, type TestPostgres } from '@authmesh/testkit';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RateLimiter } from '../../src/management/rate-limit.ts';
import type { Storage } from '../../src/storage/contract.ts';
import { type CounterStore, MemoryCounters } from '../../src/storage/counters.ts';
import { openPostgresStorage } from '../../src/storage/postgres.ts';

/*
 * What tenant processes on one Postgres database share besides records: counters updated atomically across
 * them, and change announcements (LISTEN/NOTIFY) that survive the listening connection being cut.
 */

let server: TestPostgres;
const opened: Storage[] = [];
beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(() => server?.stop());

async function openPair(): Promise<[Storage, Storage]> {
  const url = await server.createDatabase();
  const a = await openPostgresStorage({ url, sweepIntervalMs: 0 });
  const b = await openPostgresStorage({ url, sweepIntervalMs: 0 });
  opened.push(a, b);
  return [a, b];
}

/** Resolves with the number of calls once `listener` has been called `times` times. */
function calls(storage: Storage, times = 1): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const stop = storage.onChange(() => {
      seen += 1;
      if (seen === times) {
        stop();
        resolve();
      }
    });
  });
}

async function counterSemantics(counters: CounterStore): Promise<void> {
  const add = (now: number) => counters.update<number>('k', (n = 0) => n + 1, now, now + 1_000);
  expect(await add(0)).toBe(1);
  expect(await add(10)).toBe(2);
  expect(await counters.read(['k', 'absent'], 500)).toStrictEqual(new Map([['k', 2]]));
  // Expired at the caller's clock: read as absent, and an update starts again from nothing.
  expect(await counters.read(['k'], 1_010)).toStrictEqual(new Map());
  expect(await add(2_000)).toBe(1);
  await counters.delete('k');
  expect(await counters.read(['k'], 2_000)).toStrictEqual(new Map());
}

it('counters: updates, expiry at the caller’s clock and delete, in memory and in Postgres alike', async () => {
  await counterSemantics(new MemoryCounters());
  const [a] = await openPair();
  await counterSemantics(a.counters);
});

it('counters: concurrent updates of one key from two processes lose nothing', async () => {
  const [a, b] = await openPair();
  const now = Date.now();
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? a : b).counters.update<number>('hits', (n = 0) => n + 1, now, now + 60_000),
    ),
  );
  expect(await b.counters.read(['hits'], now)).toStrictEqual(new Map([['hits', 40]]));
});

it('the /api/v2 rate limit is one bucket per caller across processes', async () => {
  const [a, b] = await openPair();
  const options = { burst: 3, refillPerSecond: 1, now: () => 1_000_000 };
  const onA = new RateLimiter(options, a.counters);
  const onB = new RateLimiter(options, b.counters);
  const allowed = [];
  for (const limiter of [onA, onB, onA, onB]) allowed.push((await limiter.take('client x')).allowed);
  expect(allowed).toStrictEqual([true, true, true, false]);
  expect((await onB.take('client y')).allowed).toBe(true);
});

it('a change announced by one process reaches the other, never the announcer itself', async () => {
  const [a, b] = await openPair();
  let aCalls = 0;
  let bCalls = 0;
  a.onChange(() => {
    aCalls += 1;
  });
  b.onChange(() => {
    bCalls += 1;
  });
  await listenersReady(2);
  const bHeardFive = calls(b, 5);
  for (let i = 0; i < 5; i++) await a.announceChange();
  await bHeardFive;
  // Notifications arrive in commit order: B's one reaches A after all of A's own, which A ignored.
  const aHeard = calls(a);
  await b.announceChange();
  await aHeard;
  expect(aCalls).toBe(1);
  // A's next one reaches B after B's own, which B ignored.
  const bHeard = calls(b);
  await a.announceChange();
  await bHeard;
  expect(bCalls).toBe(6);
});

it('a cut listening connection is re-opened, and listeners are told that changes may have been missed', async () => {
  const [a, b] = await openPair();
  await announceUntil(a, calls(b));
  const afterCut = calls(b);
  await terminateListeners();
  await afterCut;
  // And announcements reach it again on the new connection.
  const again = calls(b);
  await a.announceChange();
  await again;
});

/** Announces from `from` until `heard` settles: no fixed delay, each round trip paces the next. */
async function announceUntil(from: Storage, heard: Promise<void>): Promise<void> {
  let done = false;
  const settled = heard.then(() => {
    done = true;
  });
  while (!done) await Promise.race([from.announceChange(), settled]);
  await settled;
}

/** Resolves once `count` listening connections have run their LISTEN (idle after it), polling pg_stat_activity. */
async function listenersReady(count: number): Promise<void> {
  for (;;) {
    const rows = await admin<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'authmesh listen' AND state = 'idle'",
    );
    if (Number(rows[0]?.n) >= count) return;
  }
}

async function terminateListeners(): Promise<void> {
  await admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'authmesh listen'");
}

async function admin<Row extends pg.QueryResultRow>(sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}
