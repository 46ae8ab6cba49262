import { spawn } from 'node:child_process';
import { argon2Sync, randomBytes, scryptSync } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { pathToFileURL } from 'node:url';
import { fixtureConfig } from '@authmesh/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTenant } from '../../src/create-tenant.ts';
import { deriveSync, type KdfJob } from '../../src/tenant/password-kdf.ts';
import { PasswordHashingPool } from '../../src/tenant/password-pool.ts';
import { checkPassword, hashPassword } from '../../src/tenant/passwords.ts';
import { gatedPool, hashingGate, TEST_WORKER, until } from './fixtures/hashing-gate.ts';

/*
 * The password-hashing worker pool on its own: it derives exactly what node:crypto derives on the calling
 * thread (argon2id and legacy scrypt), refuses at once beyond its queue, replaces a worker that died (the
 * job it held fails with ERR_PASSWORD_HASHING_FAILED), and stops every worker on close(); a process that
 * hashed exits by itself. Saturation is made deterministic with a gated stand-in worker
 * (fixtures/test-password-worker.ts) instead of timing.
 */

/**
 * Linux: one field of proc(5)'s stat line for each of this process's threads, by thread name (`main` for the
 * main thread); `field` counts from 1 as proc(5) does.
 */
function threadStat(field: number): Map<string, number[]> {
  const byName = new Map<string, number[]>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const name = Number(tid) === process.pid ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // The split starts at field 3 (after the name, which may hold spaces).
    const value = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[field - 3]);
    byName.set(name, [...(byName.get(name) ?? []), value]);
  }
  return byName;
}

/** Linux: the nice values of this process's threads (field 19), by thread name. */
const threadNices = () => threadStat(19);
/** Linux: the scheduling policies of this process's threads (field 41: `SCHED_OTHER` 0, `SCHED_IDLE` 5). */
const threadPolicies = () => threadStat(41);

const argon2Job = (message: string): KdfJob => ({
  kind: 'argon2id',
  message,
  nonce: randomBytes(16),
  memory: 1024,
  passes: 1,
  parallelism: 1,
  tagLength: 32,
});

const pools: PasswordHashingPool[] = [];
function keep(created: PasswordHashingPool): PasswordHashingPool {
  pools.push(created);
  return created;
}
function pool(...args: ConstructorParameters<typeof PasswordHashingPool>): PasswordHashingPool {
  return keep(new PasswordHashingPool(...args));
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  vi.restoreAllMocks();
});

describe('PasswordHashingPool', () => {
  it('hashes and verifies argon2id and legacy scrypt on a worker, byte for byte what node:crypto derives', async () => {
    const hashing = pool({ threads: 1 });
    expect(hashing.stats.workers).toBe(0);
    const stored = await hashPassword('correct horse battery staple', hashing);
    expect(hashing.stats.workers).toBe(1);
    const [, , , settings, salt, hash] = stored.split('$');
    expect(settings).toBe('m=19456,t=2,p=1');
    const recomputed = argon2Sync('argon2id', {
      message: 'correct horse battery staple',
      nonce: Buffer.from(salt ?? '', 'base64'),
      memory: 19_456,
      passes: 2,
      parallelism: 1,
      tagLength: 32,
    });
    expect(recomputed.toString('base64').replace(/=+$/, '')).toBe(hash);
    expect(await checkPassword('correct horse battery staple', stored, hashing)).toEqual({
      matches: true,
      needsUpgrade: false,
    });
    expect((await checkPassword('wrong horse', stored, hashing)).matches).toBe(false);

    const scryptSalt = randomBytes(16);
    const legacyHash = scryptSync('old password', scryptSalt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const legacy = `scrypt$${2 ** 14}$8$1$${scryptSalt.toString('base64url')}$${legacyHash.toString('base64url')}`;
    expect(await checkPassword('old password', legacy, hashing)).toEqual({ matches: true, needsUpgrade: true });
    expect((await checkPassword('old passw0rd', legacy, hashing)).matches).toBe(false);
    // An unknown user still costs one derivation, on the pool.
    expect((await checkPassword('anything', undefined, hashing)).matches).toBe(false);
    expect(hashing.stats).toEqual({ workers: 1, busy: 0, queued: 0, rescued: 0, refused: 0 });
  });

  it('on Linux, hashing threads run at nice 10 (or as configured) and the rest of the process is left as it was', async () => {
    const nices = async (options: { nice?: number }) => {
      const hashing = pool({ threads: 1, ...options });
      await hashing.derive(argon2Job('warm up'));
      return threadNices();
    };
    if (process.platform !== 'linux') {
      // setpriority would lower the whole process there: the workers must not touch it.
      const before = getPriority();
      await pool({ threads: 1 }).derive(argon2Job('x'));
      expect(getPriority()).toBe(before);
      return;
    }
    const main = threadNices().get('main');
    const lowered = await nices({});
    expect(lowered.get('authmesh passwo')).toEqual([10]);
    expect(lowered.get('main')).toEqual(main);
    await Promise.all(pools.splice(0).map((p) => p.close()));
    expect((await nices({ nice: 0 })).get('authmesh passwo')).toEqual([0]);
  });

  it('on Linux (idle: true, the default), hashing threads run under SCHED_IDLE (where chrt exists), nothing else changes policy', async () => {
    if (process.platform !== 'linux') {
      // There is no such policy: the option changes nothing, the hash is still made.
      expect((await pool({ threads: 1, idle: true }).derive(argon2Job('x'))).length).toBeGreaterThan(0);
      return;
    }
    const policies = async (options: { idle?: boolean }) => {
      const hashing = pool({ threads: 1, ...options });
      await hashing.derive(argon2Job('warm up'));
      // The job's answer proves the worker ran its start-up code, chrt included.
      return threadPolicies();
    };
    const main = threadPolicies().get('main');
    expect((await policies({ idle: false })).get('authmesh passwo')).toEqual([0]);
    await Promise.all(pools.splice(0).map((p) => p.close()));
    // The default is idle: true.
    const idle = await policies({});
    const chrt = ['/usr/bin/chrt', '/bin/chrt'].some((path) => existsSync(path));
    expect(idle.get('authmesh passwo')).toEqual([chrt ? 5 : 0]);
    expect(idle.get('main')).toEqual(main);
    // The nice value still applies (it is what counts where chrt is missing).
    expect(threadNices().get('authmesh passwo')).toEqual([10]);
  });

  it('a job starved past rescueAfterMs is hashed by the rescue thread; the starved thread then goes on with the queue', async () => {
    if (process.platform !== 'linux') {
      // No idle policy, so nothing starves more than any other thread: no rescue.
      expect(keep(gatedPool({ threads: 1, rescueAfterMs: 50 }, hashingGate())).rescueAfterMs).toBe(0);
      return;
    }
    const gate = hashingGate();
    // The regular thread waits on the shut gate (a thread that gets no CPU); the rescue thread does not.
    const hashing = keep(gatedPool({ threads: 1, maxQueue: 4, rescueAfterMs: 50 }, gate));
    const jobs = Array.from({ length: 3 }, (_, i) => argon2Job(`starved ${i}`));
    const derived = jobs.map((job) => hashing.derive(job));
    expect(hashing.stats).toEqual({ workers: 1, busy: 1, queued: 2, rescued: 0, refused: 0 });
    const hashes = await Promise.all(derived);
    for (const [i, hash] of hashes.entries()) expect(hash.equals(deriveSync(jobs[i] as KdfJob))).toBe(true);
    // All three by the rescue thread: the first while the regular thread still holds it, the others taken
    // off the queue (not hashed twice).
    expect(hashing.stats).toEqual({ workers: 1, busy: 1, queued: 0, rescued: 3, refused: 0 });
    gate.open();
    // The regular thread's late answer is dropped, and it serves the next job.
    await until(() => hashing.stats.busy === 0, 'the starved thread finished');
    const later = argon2Job('later');
    expect((await hashing.derive(later)).equals(deriveSync(later))).toBe(true);
  });

  it('on Linux, the rescue thread runs at the nice value under the normal policy, beside the idle ones', async () => {
    if (process.platform !== 'linux' || !['/usr/bin/chrt', '/bin/chrt'].some((path) => existsSync(path))) return;
    // A hash long enough for a 1 ms rescue to start the rescue thread while the regular one works on it.
    const hashing = pool({ threads: 1, rescueAfterMs: 1 });
    const job = { ...argon2Job('long'), memory: 65_536, passes: 3 };
    const hash = await hashing.derive(job);
    expect(hash.equals(deriveSync(job))).toBe(true);
    await until(() => (threadPolicies().get('authmesh passwo') ?? []).length === 2, 'both threads started');
    expect(hashing.stats.rescued).toBe(1);
    expect([...(threadPolicies().get('authmesh passwo') ?? [])].sort()).toEqual([0, 5]);
    // Each thread lowers its own nice value as it starts: the rescue thread may still be starting.
    await until(() => `${threadNices().get('authmesh passwo')}` === '10,10', 'both threads at nice 10');
  });

  it('uses up to `threads` workers at once and no more', async () => {
    const gate = hashingGate();
    const hashing = keep(gatedPool({ threads: 2, maxQueue: 4 }, gate));
    const jobs = Array.from({ length: 5 }, (_, i) => argon2Job(`p${i}`));
    const derived = jobs.map((job) => hashing.derive(job));
    expect(hashing.stats).toEqual({ workers: 2, busy: 2, queued: 3, rescued: 0, refused: 0 });
    gate.open();
    const hashes = await Promise.all(derived);
    // Each answer is its own job's (no mix-up between workers and queue).
    for (const [i, hash] of hashes.entries()) expect(hash.equals(deriveSync(jobs[i] as KdfJob))).toBe(true);
    expect(hashing.stats).toEqual({ workers: 2, busy: 0, queued: 0, rescued: 0, refused: 0 });
  });

  it('refuses a job beyond the queue at once with ERR_PASSWORD_HASHING_BUSY; the others complete', async () => {
    const gate = hashingGate();
    const hashing = keep(gatedPool({ threads: 1, maxQueue: 1 }, gate));
    const running = hashing.derive(argon2Job('first'));
    const waiting = hashing.derive(argon2Job('second'));
    await expect(hashing.derive(argon2Job('third'))).rejects.toMatchObject({ code: 'ERR_PASSWORD_HASHING_BUSY' });
    // The patient view (seeding at start) queues beyond the bound instead.
    const seeding = hashing.patient.derive(argon2Job('seed'));
    expect(hashing.stats).toEqual({ workers: 1, busy: 1, queued: 2, rescued: 0, refused: 1 });
    gate.open();
    for (const hash of await Promise.all([running, waiting, seeding])) expect(hash).toHaveLength(32);
  });

  it('replaces a worker that died: its job fails with ERR_PASSWORD_HASHING_FAILED, the queued job completes', async () => {
    const hashing = pool({ threads: 1, maxQueue: 4 }, { url: TEST_WORKER });
    const job = argon2Job('after the crash');
    const crashed = hashing.derive(argon2Job('crash'));
    const queued = hashing.derive(job);
    await expect(crashed).rejects.toMatchObject({
      code: 'ERR_PASSWORD_HASHING_FAILED',
      message: expect.stringContaining('exit code 70'),
    });
    expect((await queued).equals(deriveSync(job))).toBe(true);
    expect(hashing.stats).toEqual({ workers: 1, busy: 0, queued: 0, rescued: 0, refused: 0 });
    // And the pool goes on serving.
    expect(await hashing.derive(argon2Job('later'))).toHaveLength(32);
  });

  it('close() fails running and waiting jobs with ERR_TENANT_CLOSED, terminates the workers, refuses new jobs', async () => {
    const gate = hashingGate();
    const hashing = keep(gatedPool({ threads: 1, maxQueue: 2 }, gate));
    const running = expect(hashing.derive(argon2Job('a'))).rejects.toMatchObject({ code: 'ERR_TENANT_CLOSED' });
    const waiting = expect(hashing.derive(argon2Job('b'))).rejects.toMatchObject({ code: 'ERR_TENANT_CLOSED' });
    expect(hashing.stats).toEqual({ workers: 1, busy: 1, queued: 1, rescued: 0, refused: 0 });
    await hashing.close();
    await running;
    await waiting;
    expect(hashing.stats).toEqual({ workers: 0, busy: 0, queued: 0, rescued: 0, refused: 0 });
    await expect(hashing.derive(argon2Job('c'))).rejects.toMatchObject({ code: 'ERR_TENANT_CLOSED' });
  });
});

describe('the tenant and its hashing workers', () => {
  it("tenant.close() closes the pool the tenant made, after it hashed (seeding the fixture's users)", async () => {
    const close = vi.spyOn(PasswordHashingPool.prototype, 'close');
    const tenant = await createTenant({
      config: fixtureConfig(),
      port: 0,
      dataDir: null,
      passwordHashing: { threads: 1 },
    });
    expect(close).not.toHaveBeenCalled();
    await tenant.close();
    expect(close).toHaveBeenCalledTimes(1);
    const closed = close.mock.contexts[0] as PasswordHashingPool;
    expect(closed.threads).toBe(1);
    expect(closed.stats.workers).toBe(0);
  });

  it('threads: 0 hashes on libuv as before: no pool, no worker thread, users seeded and checked all the same', async () => {
    // A pool the tenant made is always closed by tenant.close(): no close, no pool.
    const close = vi.spyOn(PasswordHashingPool.prototype, 'close');
    const config = fixtureConfig();
    const tenant = await createTenant({ config, port: 0, dataDir: null, passwordHashing: { threads: 0 } });
    try {
      expect(tenant.users).toHaveLength(config.users.length);
      if (process.platform === 'linux') expect(threadNices().has('authmesh passwo')).toBe(false);
    } finally {
      await tenant.close();
    }
    expect(close).not.toHaveBeenCalled();
  });

  it('refuses settings out of range before it listens, naming the setting', async () => {
    for (const [passwordHashing, message] of [
      [{ threads: 1.5 }, 'passwordHashing.threads must be a whole number from 1 to 64, got 1.5'],
      [{ threads: Number.NaN }, 'passwordHashing.threads must be a whole number from 1 to 64, got NaN'],
      [{ maxQueue: -1 }, 'passwordHashing.maxQueue must be a whole number of 0 or more, got -1'],
      [{ nice: 20 }, 'passwordHashing.nice must be a whole number from 0 to 19, got 20'],
      [{ idle: 'false' }, 'passwordHashing.idle must be true or false, got false'],
    ] as const) {
      await expect(
        // `idle: 'false'` is what a JavaScript caller reading an environment variable could pass.
        createTenant({ config: fixtureConfig(), port: 0, dataDir: null, passwordHashing: passwordHashing as never }),
      ).rejects.toMatchObject({
        code: 'ERR_TENANT_START',
        message,
      });
    }
  });

  it('seeding never meets the queue bound: a tenant with no queue at all seeds all its users at once', async () => {
    const config = fixtureConfig();
    expect(config.users.length).toBeGreaterThan(1);
    const tenant = await createTenant({ config, port: 0, dataDir: null, passwordHashing: { threads: 1, maxQueue: 0 } });
    try {
      expect(tenant.users.map((u) => u.email).sort()).toEqual(config.users.map((u) => u.email).sort());
    } finally {
      await tenant.close();
    }
  });

  it('a process whose tenant hashed and closed, or whose pool hashed and was never closed, exits by itself', async () => {
    const source = (path: string) => pathToFileURL(new URL(path, import.meta.url).pathname).href;
    const script = `
      const { createTenant } = await import(${JSON.stringify(source('../../src/create-tenant.ts'))});
      const { PasswordHashingPool } = await import(${JSON.stringify(source('../../src/tenant/password-pool.ts'))});
      const { hashPassword } = await import(${JSON.stringify(source('../../src/tenant/passwords.ts'))});
      const { fixtureConfig } = await import('@authmesh/testkit');
      const tenant = await createTenant({ config: fixtureConfig(), port: 0, dataDir: null, passwordHashing: { threads: 1 } });
      await tenant.close();
      const stored = await hashPassword('left open', new PasswordHashingPool({ threads: 1 }));
      console.log(stored.startsWith('$argon2id$') ? 'hashed' : 'not hashed');
    `;
    const child = spawn(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', script],
      {
        cwd: new URL('../..', import.meta.url).pathname,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await once(child, 'exit');
    clearTimeout(timer);
    expect({ code, signal, output: output.trim() }).toEqual({ code: 0, signal: null, output: 'hashed' });
  });
});
