import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const run = promisify(execFile);

/** A throwaway PostgreSQL server this process started: where it lives and how to reach it. */
export interface PostgresCluster {
  /** Superuser URL of the `postgres` database on 127.0.0.1 (trust authentication, no password). */
  url: string;
  /** The directory holding the data directory, the socket and the log. */
  dir: string;
}

/** The newest Debian `postgresql` server binaries, or undefined when the package is not installed. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/**
 * Creates and starts a cluster in `dir` (which must not exist) on a free port of 127.0.0.1. Postgres refuses to
 * run as root: when the tests run as root the cluster belongs to the `postgres` OS user and its commands run
 * through `runuser`. Durability is off (fsync, synchronous commit): a test cluster is thrown away.
 */
export async function startPostgresCluster(dir: string): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (bin === undefined) {
    throw new Error('PostgreSQL server binaries not found in /usr/lib/postgresql: apt-get install postgresql');
  }
  mkdirSync(dir, { mode: 0o700 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, ...postgresIds());
  const data = join(dir, 'data');
  const port = await freePort();
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  // Kept for resumePostgresCluster: the same port and socket directory after a restart.
  writeFileSync(join(dir, 'postgres.options'), settings);
  // -w: returns once the server accepts connections. The log goes to a file so that no pipe of ours is held.
  await pg('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-o', settings, '-w', '-t', '60', 'start']);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir };
}

/** Stops a cluster started by {@link startPostgresCluster} (immediately: nothing in it is kept) and deletes it. */
export async function stopPostgresCluster(dir: string): Promise<void> {
  const bin = postgresBinDir();
  const data = join(dir, 'data');
  if (bin !== undefined && existsSync(join(data, 'postmaster.pid'))) {
    const args = ['-D', data, '-m', 'immediate', '-w', 'stop'];
    if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args]);
    else await run(join(bin, 'pg_ctl'), args);
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Stops a cluster's server as an operator's restart would (`-m fast`: connections are ended, data is kept), for
 * tests of what clients do while the database is down. {@link resumePostgresCluster} starts it again.
 */
export async function pausePostgresCluster(dir: string): Promise<void> {
  await pgCtl(['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
}

/** Starts a paused cluster again, on the same port; returns once it accepts connections. */
export async function resumePostgresCluster(dir: string): Promise<void> {
  const settings = readFileSync(join(dir, 'postgres.options'), 'utf8');
  await pgCtl(['-D', join(dir, 'data'), '-l', join(dir, 'postgres.log'), '-o', settings, '-w', '-t', '60', 'start']);
}

async function pgCtl(args: string[]): Promise<void> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error('PostgreSQL server binaries not found in /usr/lib/postgresql');
  if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args]);
  else await run(join(bin, 'pg_ctl'), args);
}

function postgresIds(): [number, number] {
  // `id` rather than parsing /etc/passwd: it also answers for users from NSS.
  const uid = Number(processOutput('id', ['-u', 'postgres']));
  const gid = Number(processOutput('id', ['-g', 'postgres']));
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error('the postgres OS user does not exist: apt-get install postgresql creates it');
  }
  return [uid, gid];
}

function processOutput(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8' }).trim();
}
