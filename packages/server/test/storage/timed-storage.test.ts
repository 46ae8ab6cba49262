import { expect, it } from 'vitest';
import type { Storage } from '../../src/storage/contract.ts';
import { openSqliteStorage } from '../../src/storage/sqlite.ts';
import { timeStorage } from '../../src/storage/timed-storage.ts';
import { describeStorageContract } from './contract.ts';

/** The latency decorator changes no behaviour: the whole contract suite passes through it. */
describeStorageContract('sqlite :memory:, timed', ({ now }) =>
  timeStorage(openSqliteStorage({ path: ':memory:', now, sweepIntervalMs: 0 }), () => {}),
);

it('times every call by operation, failures included, and passes members it does not know through', async () => {
  const calls: { operation: string; ok: boolean; seconds: number }[] = [];
  const inner = openSqliteStorage({ path: ':memory:', sweepIntervalMs: 0 });
  // What a backend may have beyond the contract (a pool's statistics, a listener).
  const extended = Object.assign(inner, { backendName: 'sqlite', ping: async () => 'pong' });
  const storage = timeStorage(extended, (operation, ok, seconds) => calls.push({ operation, ok, seconds }));

  await storage.setState('k', 1);
  await storage.model('Session').upsert('s1', { uid: 'u1' }, 60);
  expect(await storage.model('Session').findByUid('u1')).toMatchObject({ uid: 'u1' });
  await storage.entities.list('client');
  expect(await (storage as Storage & { ping(): Promise<string> }).ping()).toBe('pong');
  expect((storage as Storage & { backendName: string }).backendName).toBe('sqlite');
  expect(storage.model('Session')).toBe(storage.model('Session'));

  await storage.close();
  await expect(storage.getState('k')).rejects.toThrow();

  expect(calls.map((c) => [c.operation, c.ok])).toEqual([
    ['setState', true],
    ['model.upsert', true],
    ['model.findByUid', true],
    ['entities.list', true],
    ['ping', true],
    ['getState', false],
  ]);
  for (const call of calls) expect(call.seconds).toBeGreaterThanOrEqual(0);
});
