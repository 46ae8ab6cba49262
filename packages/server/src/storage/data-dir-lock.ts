import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AuthmeshError } from '../errors.ts';
import { createPrivateDirectory, ensurePrivateFile } from './private-files.ts';

/** The file whose exclusive SQLite lock marks the data directory as in use. */
export const LOCK_FILE = 'authmesh.lock';
/** The PID of the holder, for the message the next process prints. */
export const PID_FILE = 'authmesh.pid';

/** The data directory held by this process; {@link DataDirLock.release} lets the next one in. */
export interface DataDirLock {
  readonly dir: string;
  /** Releases the lock. Idempotent. Exiting the process releases it as well. */
  release(): void;
}

/**
 * Takes the data directory for this process, so that a second `authmesh dev` on it refuses to start
 * instead of serving stale clients and grants (each process caches them in memory).
 *
 * The lock is an exclusive SQLite lock (an OS file lock) held open on `<dir>/authmesh.lock`: the operating
 * system drops it when the holder exits, even by kill -9, so a lock whose holder is gone is simply taken.
 * The holder's PID is written next to it for the message; it is never trusted to decide who holds the lock
 * (PIDs are reused, e.g. by containers).
 *
 * @throws AuthmeshError `ERR_DATA_DIR_LOCKED` naming the holder's PID when another process holds it.
 */
export function lockDataDir(dir: string): DataDirLock {
  createPrivateDirectory(dir);
  const lockPath = join(dir, LOCK_FILE);
  ensurePrivateFile(lockPath);
  const db = new DatabaseSync(lockPath);
  try {
    // Fail at once rather than wait: the holder keeps the lock for as long as it runs.
    db.exec('PRAGMA busy_timeout = 0');
    // EXCLUSIVE locking mode keeps the lock of the first transaction until the connection closes.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    if ((error as { errcode?: unknown }).errcode !== SQLITE_BUSY) throw error;
    const holder = readHolder(dir);
    throw new AuthmeshError(
      'ERR_DATA_DIR_LOCKED',
      `the data directory ${dir} is in use by another authmesh process (PID ${holder ?? 'unknown'}); ` +
        'stop it first, or give this one another --data directory',
      { cause: error },
    );
  }
  const pidPath = join(dir, PID_FILE);
  ensurePrivateFile(pidPath);
  writeFileSync(pidPath, `${process.pid}\n`);
  let released = false;
  return {
    dir,
    release() {
      if (released) return;
      released = true;
      // Only our own PID file: after a takeover the file may name a newer holder.
      if (readHolder(dir) === process.pid) rmSync(pidPath, { force: true });
      db.close();
    },
  };
}

/** SQLite's "database is locked". */
const SQLITE_BUSY = 5;

function readHolder(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, PID_FILE), 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
