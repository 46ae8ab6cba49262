import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '@authmesh/testkit';

/** A throwaway `redis-server` on a free loopback port, without persistence. */
export interface RedisServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a real redis-server (Debian package `redis-server`). Missing binary → a loud error, never a skip: the
 * cross-process guarantee is only proven against a real Redis.
 */
export async function startRedisServer(): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error(
      'redis-server is not installed; the Redis store tests need it. Install it with ' +
        '`apt-get update && apt-get install -y redis-server` (CI must install it too).',
    );
  }
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`redis-server exited early (code ${String(code)}) on port ${port}`);
  });
  exited.catch(() => {});
  await Promise.race([waitForPing(port), exited]);
  return {
    port,
    stop: async () => stop(child),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exit = once(child, 'exit');
  child.kill('SIGTERM');
  await exit;
}

/** Until the server answers PING with +PONG: at most ~10 s (redis starts in milliseconds; CI machines can be slow). */
async function waitForPing(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await ping(port)) return;
    await delay(100);
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
