/**
 * The worker side of the two-process Redis tests: one "instance of a service" with its own client on the shared
 * Redis store. Protocol on stdout, one JSON object per line: {type:'ready'}, then {type:'event', event} for
 * coordination events, then {type:'done', tokens: [distinct access tokens]}. It starts 50 concurrent getToken calls
 * when a line arrives on stdin, so that both processes start together. The test side is ./worker-process.ts.
 */
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { createRedisTokenStore, type M2MEvent, type TokenStore } from '../../../src/m2m/index.ts';

export interface WorkerClient {
  getToken(): Promise<{ accessToken: string }>;
  close(): Promise<void>;
}

/** Reads REDIS_PORT, REDIS_PREFIX, ISSUER and `extraEnv` from the environment; throws if any is missing. */
export function workerEnv<K extends string = never>(
  name: string,
  extraEnv: readonly K[] = [],
): Record<'REDIS_PORT' | 'REDIS_PREFIX' | 'ISSUER' | K, string> {
  const names = ['REDIS_PORT', 'REDIS_PREFIX', 'ISSUER', ...extraEnv];
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length > 0) throw new Error(`${name}: ${names.join(', ')} are required (missing ${missing.join(', ')})`);
  return Object.fromEntries(names.map((n) => [n, process.env[n] as string])) as Record<
    'REDIS_PORT' | 'REDIS_PREFIX' | 'ISSUER' | K,
    string
  >;
}

/** Runs the protocol above with the client that `createClient` builds on the shared store. */
export async function runRedisWorker(
  env: { REDIS_PORT: string; REDIS_PREFIX: string },
  createClient: (options: { store: TokenStore; onEvent: (event: M2MEvent) => void }) => WorkerClient,
): Promise<void> {
  const send = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);

  const redis = new Redis({ host: '127.0.0.1', port: Number(env.REDIS_PORT), lazyConnect: true });
  await redis.connect();
  const client = createClient({
    store: createRedisTokenStore(redis, { prefix: env.REDIS_PREFIX }),
    onEvent: (event) => {
      if (event.type === 'token_store_wait' || event.type === 'token_request' || event.type === 'store_error') {
        send({ type: 'event', event: event.type });
      }
    },
  });
  send({ type: 'ready' });
  await once(process.stdin, 'data');

  const tokens = await Promise.all(Array.from({ length: 50 }, () => client.getToken()));
  send({ type: 'done', tokens: [...new Set(tokens.map((t) => t.accessToken))] });
  await client.close();
  await redis.quit();
  process.stdin.destroy();
}
