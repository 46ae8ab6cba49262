import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeTokenEndpoint, startFakeTokenEndpoint } from '../m2m/support/fake-token-endpoint.ts';
import { type RedisServer, startRedisServer } from '../m2m/support/redis-server.ts';
import { startWorker } from '../m2m/support/worker-process.ts';

const workerScript = new URL('./fixtures/obo-redis-worker.ts', import.meta.url);

let server: RedisServer;
let endpoint: FakeTokenEndpoint;
beforeAll(async () => {
  server = await startRedisServer();
  endpoint = await startFakeTokenEndpoint();
});
afterAll(async () => {
  await endpoint?.close();
  await server?.stop();
});

/** A user's access token; only its `exp` is read by the client. */
function userToken(): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + 600;
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: 'auth0|alice', exp, jti: randomUUID() })}.c2ln`;
}

describe('on-behalf-of across processes on one Redis', () => {
  it('two processes × 50 concurrent exchanges of one user token → ONE exchange; Redis never holds the user token', async () => {
    let release!: () => void;
    endpoint.reply({ hold: new Promise<void>((resolve) => (release = resolve)) });
    const subject = userToken();
    const prefix = `obo:${randomUUID()}:`;
    const env = {
      REDIS_PORT: String(server.port),
      REDIS_PREFIX: prefix,
      ISSUER: endpoint.issuer,
      SUBJECT_TOKEN: subject,
    };
    const workers = [startWorker(workerScript, env), startWorker(workerScript, env)];
    try {
      await Promise.all(workers.map((w) => w.next((m) => m.type === 'ready')));
      for (const worker of workers) worker.go();
      // Hold the answer until the process that lost the lock waits for the winner's token: they really raced.
      await Promise.race(workers.map((w) => w.next((m) => m.event === 'token_store_wait')));
      release();
      const results = await Promise.all(workers.map((w) => w.next((m) => m.type === 'done')));
      expect(endpoint.requests).toHaveLength(1);
      expect(endpoint.requests[0]?.form.get('subject_token')).toBe(subject);
      expect(results.map((r) => r.tokens)).toEqual([['token-1'], ['token-1']]);
      expect(workers.flatMap((w) => w.messages).filter((m) => m.event === 'store_error')).toEqual([]);
      expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0]);

      const redis = new Redis({ host: '127.0.0.1', port: server.port });
      try {
        const keys = await redis.keys(`${prefix}*`);
        expect(keys.length).toBeGreaterThan(0);
        const stored = await Promise.all(keys.map(async (k) => `${k} ${(await redis.get(k)) ?? ''}`));
        for (const text of stored) {
          expect(text).not.toContain(subject);
          expect(text).not.toContain(subject.split('.')[1]);
        }
      } finally {
        await redis.quit();
      }
    } finally {
      for (const worker of workers) worker.kill();
    }
  });
});
