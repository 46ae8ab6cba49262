import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The data directory holds the signing keys, client secrets and sessions: anyone who can read it can mint
 * tokens the tenant accepts. So it is 0700 and everything in it 0600, whatever the umask. Modes are set
 * explicitly after creation because `mode` on create is filtered by the umask and ignored for existing files.
 */

/** Owner only: read, write, search. */
export const PRIVATE_DIR_MODE = 0o700;
/** Owner only: read, write. */
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) 0700; an existing directory keeps its mode. */
export function createPrivateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Creates `path` empty and 0600 unless it exists, and makes it 0600 either way. SQLite gives a database's
 * `-wal` and `-shm` files the mode of the database file, so a 0600 database keeps them private too.
 */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  chmodSync(path, PRIVATE_FILE_MODE);
}

/** Makes `path` 0600 if it exists (a `-wal` left by an earlier run with a wider mode). */
export function tightenFileIfPresent(path: string): void {
  try {
    chmodSync(path, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Makes `dir` a private data directory: created 0700 when missing; otherwise the directory, its
 * subdirectories (0700) and files (0600) are tightened. Returns one warning line when anything had a
 * wider mode (some other local user may have read it already), undefined otherwise. Symbolic links are
 * left alone: their target is not ours to change.
 */
export function securePrivateDirectory(dir: string): string | undefined {
  let existed = true;
  try {
    statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    existed = false;
  }
  createPrivateDirectory(dir);
  const widened = tighten(dir, true);
  if (!existed || widened.length === 0) return undefined;
  const [first] = widened;
  const more = widened.length > 1 ? ` and ${widened.length - 1} more` : '';
  return `${first?.path} was readable by other users (mode ${first?.mode.toString(8).padStart(4, '0')})${more}; tightened the data directory to 0700 and its files to 0600`;
}

/** Sets the private mode on `path` (and below, for a directory); returns what was readable by others. */
function tighten(path: string, isDir: boolean): { path: string; mode: number }[] {
  const wanted = isDir ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
  const mode = lstatSync(path).mode & 0o777;
  if (mode !== wanted) chmodSync(path, wanted);
  // Only bits beyond the private ones leak; a narrower mode (0400) is made usable again without a warning.
  const leaks = (mode & ~wanted) !== 0 ? [{ path, mode }] : [];
  if (!isDir) return leaks;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) leaks.push(...tighten(join(path, entry.name), true));
    else if (entry.isFile()) leaks.push(...tighten(join(path, entry.name), false));
  }
  return leaks;
}
