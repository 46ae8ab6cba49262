import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockDataDir, PID_FILE } from '../../src/storage/data-dir-lock.ts';

const root = mkdtempSync(join(tmpdir(), 'authmesh-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `data-${++dirs}`);

describe('data directory lock', () => {
  it('a second taker gets ERR_DATA_DIR_LOCKED naming the holder; after release the next one gets it', () => {
    const dir = freshDir();
    const first = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(
      expect.objectContaining({
        code: 'ERR_DATA_DIR_LOCKED',
        message: expect.stringContaining(`(PID ${process.pid})`),
      }),
    );
    first.release();
    first.release();
    const second = lockDataDir(dir);
    second.release();
  });

  it('a PID file left by a holder that is gone does not hold the directory', () => {
    const dir = freshDir();
    lockDataDir(dir).release();
    // What a holder killed with -9 leaves: its PID file, but no OS lock.
    writeFileSync(join(dir, PID_FILE), '999999\n', { mode: 0o644 });
    const taken = lockDataDir(dir);
    expect(statSync(join(dir, PID_FILE)).mode & 0o777).toBe(0o600);
    taken.release();
  });

  it('creates the directory 0700 and its files 0600', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, LOCK_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, PID_FILE)).mode & 0o777).toBe(0o600);
    lock.release();
  });
});
