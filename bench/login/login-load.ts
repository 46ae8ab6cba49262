/**
 * Closed-loop load of complete browser logins: `connections` loops, each running /authorize → login page →
 * POST /u/login → redirect to the callback (the testkit's scripted browser, a fresh cookie jar per login, so
 * every login shows the form and checks the password), starting the next as soon as one ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loginForCode, type ScriptedBrowser } from '@authmesh/testkit';
import { latencyWindow, percentile } from '../lib/load.ts';

export interface LoginLoadOptions {
  issuer: string;
  clientId: string;
  redirectUri: string;
  /** One user per loop: `usernames[i % length]`. */
  usernames: string[];
  password: string;
  connections: number;
  /** A fresh browser for each login; default the testkit's ScriptedBrowser. */
  browser?: () => ScriptedBrowser;
}

export interface LoginLoadResult {
  elapsedS: number;
  /** Logins that reached the callback with a code inside the recording window. */
  logins: number;
  /** Every login attempted, warm-up included. */
  checked: number;
  /** Logins that did not reach the callback, warm-up included, with the first few messages. */
  failed: number;
  /**
   * Of `failed`, those the tenant refused with 503 because its password-hashing queue was full (it said
   * when to retry); they are not in `failureSamples`.
   */
  refused: number;
  failureSamples: string[];
  latencyMs: { p50: number; p99: number };
}

export interface LoginLoad {
  /** Starts the measured window (everything before is warm-up). */
  record(): void;
  /** Ends the window and waits for the logins in flight. */
  stop(): Promise<LoginLoadResult>;
}

/**
 * What a loop waits after a 503: the tenant's `Retry-After` for a full password-hashing queue (1 s). A
 * browser user does not resubmit at once either; a loop that did would measure a retry storm instead.
 */
const RETRY_AFTER_MS = 1_000;

export function startLoginLoad(options: LoginLoadOptions): LoginLoad {
  const recorder = latencyWindow();
  let checked = 0;
  let refused = 0;
  let failed = 0;
  const failureSamples: string[] = [];

  const loop = async (index: number) => {
    const username = options.usernames[index % options.usernames.length] ?? '';
    while (!recorder.stopped) {
      const t0 = performance.now();
      try {
        await loginForCode({
          issuer: options.issuer,
          clientId: options.clientId,
          redirectUri: options.redirectUri,
          username,
          password: options.password,
          ...(options.browser ? { browser: options.browser() } : {}),
        });
        if (recorder.counting) recorder.add(performance.now() - t0);
      } catch (error) {
        failed++;
        const message = String((error as Error).message);
        // The testkit's login flow reports the page's status: "login did not reach the callback (status 503 …".
        if (message.includes('(status 503 ')) {
          refused++;
          await sleep(RETRY_AFTER_MS);
        } else if (failureSamples.length < 5) failureSamples.push(message.slice(0, 300));
      }
      checked++;
    }
  };
  const loops = Array.from({ length: options.connections }, (_, i) => loop(i));

  return {
    record() {
      recorder.record();
    },
    async stop() {
      recorder.stop();
      await Promise.all(loops);
      const { elapsedS, latencies } = recorder.result();
      return {
        elapsedS,
        logins: latencies.length,
        checked,
        refused,
        failed,
        failureSamples,
        latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
      };
    },
  };
}
