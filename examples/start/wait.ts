import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningChild } from './supervisor.ts';

/** How long a service may take to answer, and how often it is asked. */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Stop waiting: the system is being stopped. */
  signal?: AbortSignal;
}

/**
 * Resolves once `url` answers 2xx. Bounded: fails after `timeoutMs` (default 30 s), or as soon as `child`
 * exits (a crashed service never answers; there is no point in waiting for it).
 *
 * @throws Error naming the service and what happened.
 */
export async function waitUntilAnswers(url: string, child: RunningChild, options: WaitOptions = {}): Promise<void> {
  const { timeoutMs = 30_000, intervalMs = 50, signal } = options;
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer yet';
  while (performance.now() < deadline) {
    signal?.throwIfAborted();
    if (child.exit) throw new Error(`${child.name} exited before it answered on ${url}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${child.name} did not answer on ${url} within ${timeoutMs / 1000} s (${last})`);
}
