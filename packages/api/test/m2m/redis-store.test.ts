import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTokenStore, type RedisLike } from '../../src/m2m/index.ts';
import { type FakeTokenEndpoint, startFakeTokenEndpoint } from './support/fake-token-endpoint.ts';
import { type RedisServer, startRedisServer } from './support/redis-server.ts';
import { describeStoreContract } from './support/store-contract.ts';
import { startWorker } from './support/worker-process.ts';

const workerScript = new URL('./fixtures/redis-worker.ts', import.meta.url);

let server: RedisServer;
const connections: Redis[] = [];

function connection(): Redis {
  const redis = new Redis({ host: '127.0.0.1', port: server.port });
  connections.push(redis);
  return redis;
}

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.quit()));
  await server?.stop();
});

/** The store's key layout (documented in redis-store.ts), to look at TTLs and simulate lock expiry. */
function rawKey(prefix: string, kind: 'token' | 'lock', key: string): string {
  return `${prefix}${kind}:${createHash('sha256').update(key).digest('base64url')}`;
}

function redisSubject(adapt: (redis: Redis) => RedisLike) {
  return async () => {
    const admin = connection();
    const prefix = `contract:${randomUUID()}:`;
    return {
      store: createRedisTokenStore(adapt(connection()), { prefix }),
      // Another process: its own connection and its own store instance (own lock values).
      peer: createRedisTokenStore(adapt(connection()), { prefix }),
      async expectTtl(kind: 'token' | 'lock', key: string, ttlMs: number) {
        const pttl = await admin.pttl(rawKey(prefix, kind, key));
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(ttlMs);
        await admin.del(rawKey(prefix, kind, key)); // expired now, without waiting for Redis's clock
      },
      async expireLock(key: string) {
        await admin.del(rawKey(prefix, 'lock', key));
      },
    };
  };
}

describeStoreContract(
  'redis (ioredis)',
  redisSubject((redis) => redis),
  { ownsLocks: true },
);

/** The commands of node-redis v4 the adapter in redis-store.ts's documentation uses, served here by ioredis. */
interface NodeRedisV4 {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options: { PX: number; NX?: true }): Promise<string | null>;
  del(key: string): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

function nodeRedisV4(redis: Redis): NodeRedisV4 {
  return {
    get: (key) => redis.get(key),
    set: (key, value, options) =>
      options.NX ? redis.set(key, value, 'PX', options.PX, 'NX') : redis.set(key, value, 'PX', options.PX),
    del: (key) => redis.del(key),
    eval: (script, options) => redis.eval(script, options.keys.length, ...options.keys, ...options.arguments),
  };
}

describeStoreContract(
  'redis (node-redis v4 through the documented adapter)',
  redisSubject((redis) => {
    const client = nodeRedisV4(redis);
    // Exactly the adapter shown in the RedisLike documentation.
    return {
      get: (key) => client.get(key),
      set: (key, value, _px, ms, nx?) => client.set(key, value, nx ? { PX: ms, NX: true } : { PX: ms }),
      del: (key) => client.del(key),
      eval: (script, numKeys, ...args) =>
        client.eval(script, { keys: args.slice(0, numKeys).map(String), arguments: args.slice(numKeys).map(String) }),
    };
  }),
  { ownsLocks: true },
);

describe('Redis store', () => {
  it('stores entries as JSON with absolute expiresAt, under <prefix>token:<sha256>', async () => {
    const admin = connection();
    const prefix = `layout:${randomUUID()}:`;
    const store = createRedisTokenStore(admin, { prefix });
    const entry = { accessToken: 'a', tokenType: 'Bearer' as const, scope: '', receivedAt: 1, expiresAt: 2 };
    await store.set('k', entry, 1000);
    expect(JSON.parse((await admin.get(rawKey(prefix, 'token', 'k'))) ?? 'null')).toEqual(entry);
  });

  it('a value that is not JSON reads as a miss', async () => {
    const admin = connection();
    const prefix = `junk:${randomUUID()}:`;
    await admin.set(rawKey(prefix, 'token', 'k'), 'not json');
    expect(await createRedisTokenStore(admin, { prefix }).get('k')).toBeUndefined();
  });
});

describe('cross-process: N instances mint ONE token per (client, audience, scope) per lifetime', () => {
  let endpoint: FakeTokenEndpoint;
  beforeAll(async () => {
    endpoint = await startFakeTokenEndpoint();
  });
  afterAll(() => endpoint?.close());

  it('two processes × 50 concurrent getToken on a cold cache → the token endpoint sees exactly one request', async () => {
    let release!: () => void;
    endpoint.reply({ hold: new Promise<void>((resolve) => (release = resolve)) });
    const env = { REDIS_PORT: String(server.port), REDIS_PREFIX: `proof:${randomUUID()}:`, ISSUER: endpoint.issuer };
    const workers = [startWorker(workerScript, env), startWorker(workerScript, env)];
    try {
      await Promise.all(workers.map((w) => w.next((m) => m.type === 'ready')));
      for (const worker of workers) worker.go();
      // Hold the token answer until the process that lost the lock reports it is waiting for the winner's token:
      // this proves the two really raced, instead of one finishing before the other started.
      await Promise.race(workers.map((w) => w.next((m) => m.event === 'token_store_wait')));
      release();
      const results = await Promise.all(workers.map((w) => w.next((m) => m.type === 'done')));
      expect(endpoint.requests).toHaveLength(1);
      expect(results.map((r) => r.tokens)).toEqual([['token-1'], ['token-1']]);
      expect(workers.flatMap((w) => w.messages).filter((m) => m.event === 'token_request')).toHaveLength(1);
      expect(workers.flatMap((w) => w.messages).filter((m) => m.event === 'store_error')).toEqual([]);
      expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0]);
    } finally {
      for (const worker of workers) worker.kill();
    }
  });
});
