/**
 * The two loads of a login-burst window, shared by burst.ts and burst-diagnose.ts: the browser logins, driven
 * by login-burst-client.ts in a child process (see there why), and the pairing of a client-credentials load
 * with them so that one measured window covers both.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Load, LoadResult } from '../lib/load.ts';
import type { LoginLoadResult } from './login-load.ts';

export interface LoginClientOptions {
  issuer: string;
  password: string;
  /** How many bench users (`user<i>@bench.test`) the logins cycle through. */
  users: number;
  /** Concurrent login loops. */
  connections: number;
}

/** A login load, started and warming up; `record()` opens its window, `stop()` ends it with its result. */
export interface LoginClient {
  record(): void;
  stop(): Promise<LoginLoadResult>;
}

export async function startLoginClient(options: LoginClientOptions): Promise<LoginClient> {
  const child = fork(join(import.meta.dirname, 'login-burst-client.ts'), {
    env: {
      ...process.env,
      BURST_ISSUER: options.issuer,
      BURST_PASSWORD: options.password,
      BURST_USERS: String(options.users),
      BURST_CONNECTIONS: String(options.connections),
    },
    execArgv: ['--disable-warning=ExperimentalWarning'],
  });
  await once(child, 'message');
  return {
    record() {
      child.send({ type: 'record' });
    },
    async stop(): Promise<LoginLoadResult> {
      const result = once(child, 'message');
      child.send({ type: 'stop' });
      const [message] = await result;
      await once(child, 'exit');
      return message as LoginLoadResult;
    },
  };
}

/**
 * Both loads as one, for measureWindow: the client-credentials latencies counted are those of requests that
 * completed while the logins ran.
 */
export function withLogins(tokens: Load, logins: LoginClient) {
  return {
    record() {
      tokens.record();
      logins.record();
    },
    async stop(): Promise<LoadResult & { login: LoginLoadResult }> {
      const [token, login] = await Promise.all([tokens.stop(), logins.stop()]);
      return { ...token, login };
    },
  };
}
