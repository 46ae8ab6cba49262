import { describe, expect, it } from 'vitest';
import { FailureThrottle } from '../../src/http/failure-throttle.ts';
import { type CounterStore, MemoryCounters } from '../../src/storage/counters.ts';

/*
 * The throttle remembers allowing verdicts for a second, so that a client with a clean record costs no
 * counter read per token; what a failure must change it changes at once here, and within that second in
 * another process (see allowed-verdicts.ts).
 */

const ip = '192.0.2.7';

/** The counters of `inner`, counting reads; `gate`, when set, holds each read's answer until it resolves. */
class CountingCounters implements CounterStore {
  reads = 0;
  gate: Promise<void> | undefined;
  readonly #inner: CounterStore;
  #version = 0;

  constructor(inner: CounterStore) {
    this.#inner = inner;
  }

  async read<T>(keys: readonly string[], now: number): Promise<Map<string, T>> {
    this.reads += 1;
    // The snapshot is taken when the read is sent, as a database would; the answer may arrive later.
    const snapshot = await this.#inner.read<T>(keys, now);
    await this.gate;
    return snapshot;
  }

  update<T>(key: string, change: (current: T | undefined) => T, now: number, expiresAt: number): Promise<T> {
    return this.#inner.update(key, change, now, expiresAt);
  }

  delete(key: string): Promise<void> {
    return this.#inner.delete(key);
  }

  /** Announcements stay in this "process": another wrapper of the same inner store does not hear them. */
  async announce(): Promise<void> {
    this.#version += 1;
  }

  version(): number {
    return this.#version;
  }

  /** An announcement from another process arriving. */
  hear(): void {
    this.#version += 1;
  }
}

describe('FailureThrottle remembers allowing verdicts', () => {
  it('a client asking again and again is read once per cacheMs, not once per request', async () => {
    let now = 0;
    const counters = new CountingCounters(new MemoryCounters());
    const throttle = new FailureThrottle({ counters, now: () => now });
    for (let i = 0; i < 50; i++) expect(await throttle.check('m2m-client', ip)).toEqual({ allowed: true });
    expect(counters.reads).toBe(1);
    now += 999;
    await throttle.check('m2m-client', ip);
    expect(counters.reads).toBe(1);
    now += 1;
    await throttle.check('m2m-client', ip);
    expect(counters.reads).toBe(2);
    // Another client, or the same from another IP, is a verdict of its own.
    await throttle.check('m2m-client', '192.0.2.8');
    await throttle.check('other-client', ip);
    expect(counters.reads).toBe(4);
  });

  it('cacheMs 0 reads on every check', async () => {
    const counters = new CountingCounters(new MemoryCounters());
    const throttle = new FailureThrottle({ counters, cacheMs: 0 });
    for (let i = 0; i < 5; i++) await throttle.check('m2m-client', ip);
    expect(counters.reads).toBe(5);
  });

  it('the failure that blocks a pair is enforced by the very next check in this process', async () => {
    const counters = new CountingCounters(new MemoryCounters());
    const throttle = new FailureThrottle({ counters, maxAttempts: 3 });
    expect(await throttle.check('m2m-client', ip)).toEqual({ allowed: true });
    for (let i = 0; i < 3; i++) {
      expect(await throttle.check('m2m-client', ip)).toEqual({ allowed: true });
      await throttle.recordFailure('m2m-client', ip);
    }
    expect(await throttle.check('m2m-client', ip)).toMatchObject({ allowed: false, reason: 'blocked' });
  });

  it('a read that raced with the blocking failure is answered but never remembered', async () => {
    const counters = new CountingCounters(new MemoryCounters());
    const throttle = new FailureThrottle({ counters, maxAttempts: 1 });
    let answer = () => {};
    counters.gate = new Promise((resolve) => {
      answer = resolve;
    });
    // Read before the failure is stored, answered after it was recorded.
    const racing = throttle.check('m2m-client', ip);
    await throttle.recordFailure('m2m-client', ip);
    answer();
    expect(await racing).toEqual({ allowed: true });
    counters.gate = undefined;
    expect(await throttle.check('m2m-client', ip)).toMatchObject({ allowed: false, reason: 'blocked' });
  });

  it('a failure for another identifier from the same IP drops the remembered verdicts of that IP', async () => {
    const counters = new CountingCounters(new MemoryCounters());
    // One failure empties the IP's bucket: fresh identifiers from that IP are refused from then on.
    const throttle = new FailureThrottle({ counters, ipBurst: 1 });
    expect(await throttle.check('fresh', ip)).toEqual({ allowed: true });
    await throttle.recordFailure('guessed', ip);
    expect(await throttle.check('fresh', ip)).toMatchObject({ allowed: false, reason: 'throttled' });
  });

  it('another process’s failure: enforced when its announcement arrives, and after cacheMs even if it is lost', async () => {
    let now = 0;
    const shared = new MemoryCounters();
    const onA = new CountingCounters(shared);
    const onB = new CountingCounters(shared);
    const options = { maxAttempts: 1, now: () => now };
    const a = new FailureThrottle({ ...options, counters: onA });
    const b = new FailureThrottle({ ...options, counters: onB });

    expect(await b.check('client-1', ip)).toEqual({ allowed: true });
    await a.recordFailure('client-1', ip);
    // Until it hears of it, B goes by what it read (at most cacheMs ago); then it reads again.
    expect(await b.check('client-1', ip)).toEqual({ allowed: true });
    onB.hear();
    expect(await b.check('client-1', ip)).toMatchObject({ allowed: false, reason: 'blocked' });

    // Announcement lost: the verdict read before the failure is forgotten after cacheMs.
    expect(await b.check('client-2', ip)).toEqual({ allowed: true });
    await a.recordFailure('client-2', ip);
    now += 1_000;
    expect(await b.check('client-2', ip)).toMatchObject({ allowed: false, reason: 'blocked' });
  });

  it('a verdict owed to a known-good login is remembered no longer than that exemption lasts', async () => {
    let now = 0;
    const counters = new CountingCounters(new MemoryCounters());
    const throttle = new FailureThrottle({ counters, ipBurst: 1, knownForMs: 5_000, now: () => now });
    await throttle.recordSuccess('owner', ip);
    await throttle.recordFailure('guessed', ip);
    now = 4_500;
    expect(await throttle.check('owner', ip)).toEqual({ allowed: true });
    now = 5_000;
    expect(await throttle.check('owner', ip)).toMatchObject({ allowed: false, reason: 'throttled' });
  });
});
