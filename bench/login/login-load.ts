/**
 * Closed-loop load of complete browser logins: `connections` loops, each running /authorize → login page →
 * POST /u/login → redirect to the callback (the testkit's scripted browser, a fresh cookie jar per login, so
 * every login shows the form and checks the password), starting the next as soon as one ends.
 */
import { loginForCode } from '@authmesh/testkit';

export interface LoginLoadOptions {
  issuer: string;
  clientId: string;
  redirectUri: string;
  /** One user per loop: `usernames[i % length]`. */
  usernames: string[];
  password: string;
  connections: number;
}

export interface LoginLoadResult {
  elapsedS: number;
  /** Logins that reached the callback with a code inside the recording window. */
  logins: number;
  /** Every login attempted, warm-up included. */
  checked: number;
  /** Logins that did not reach the callback, warm-up included, with the first few messages. */
  failed: number;
  failureSamples: string[];
  latencyMs: { p50: number; p99: number };
}

export interface LoginLoad {
  /** Starts the measured window (everything before is warm-up). */
  record(): void;
  /** Ends the window and waits for the logins in flight. */
  stop(): Promise<LoginLoadResult>;
}

export function startLoginLoad(options: LoginLoadOptions): LoginLoad {
  let recording = false;
  let stopped = false;
  let windowStart = 0;
  let windowEnd = 0;
  let latencies: number[] = [];
  let checked = 0;
  let failed = 0;
  const failureSamples: string[] = [];

  const loop = async (index: number) => {
    const username = options.usernames[index % options.usernames.length] ?? '';
    while (!stopped) {
      const t0 = performance.now();
      try {
        await loginForCode({
          issuer: options.issuer,
          clientId: options.clientId,
          redirectUri: options.redirectUri,
          username,
          password: options.password,
        });
        if (recording && !stopped) latencies.push(performance.now() - t0);
      } catch (error) {
        failed++;
        if (failureSamples.length < 5) failureSamples.push(String((error as Error).message).slice(0, 300));
      }
      checked++;
    }
  };
  const loops = Array.from({ length: options.connections }, (_, i) => loop(i));

  return {
    record() {
      latencies = [];
      recording = true;
      windowStart = performance.now();
    },
    async stop() {
      stopped = true;
      windowEnd = performance.now();
      await Promise.all(loops);
      const sorted = [...latencies].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
      return {
        elapsedS: (windowEnd - windowStart) / 1000,
        logins: sorted.length,
        checked,
        failed,
        failureSamples,
        latencyMs: { p50: at(0.5) ?? Number.NaN, p99: at(0.99) ?? Number.NaN },
      };
    },
  };
}
