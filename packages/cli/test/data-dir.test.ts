import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  AUTHMESH,
  CliProcess,
  clientCredentials,
  clientNamed,
  EXAMPLE_CONFIG,
  freePort,
  killLeftovers,
} from './support/cli.ts';

/*
 * The data directory of `authmesh dev`: private whatever the umask (it holds the signing key and client
 * secrets), held by one process at a time, and client secrets printed only by the start that made them.
 */

const CATALOG = 'https://catalog.acme.test';
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'authmesh-data-dir-'));
  dirs.push(dir);
  return dir;
}

afterEach(killLeftovers);
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** `authmesh dev` on `data`, started from a shell whose umask lets everyone read new files. */
function devUnderUmask022(data: string, extra: string[] = []): CliProcess {
  return new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data, ...extra], {
    command: 'sh',
    commandArgs: ['-c', 'umask 022 && exec "$0" "$@"', AUTHMESH],
  });
}

/** Every entry under `dir` (itself included) with its permission bits. */
async function modes(dir: string): Promise<{ path: string; dir: boolean; mode: number }[]> {
  const found = [{ path: dir, dir: true, mode: (await stat(dir)).mode & 0o777 }];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    found.push({ path, dir: entry.isDirectory(), mode: (await stat(path)).mode & 0o777 });
  }
  return found;
}

/** SIGINT, then a clean exit 0 (the lock and the database are closed on the way out). */
async function stopCleanly(cli: CliProcess): Promise<void> {
  const exit = await cli.stop('SIGINT');
  expect(exit, cli.output).toEqual({ code: 0, signal: null });
}

function expectPrivate(entries: { path: string; dir: boolean; mode: number }[]): void {
  for (const entry of entries) {
    expect(`${entry.path} ${entry.mode.toString(8)}`).toBe(`${entry.path} ${entry.dir ? '700' : '600'}`);
  }
}

describe('file modes', () => {
  it('under umask 022 the data directory is 0700 and every file in it 0600, SQLite and TLS files included', async () => {
    const data = join(await tempDir(), 'fresh');
    const cli = devUnderUmask022(data, ['--https']);
    await cli.banner();
    const entries = await modes(data);
    const names = entries.map((e) => e.path.slice(data.length + 1));
    expect(names).toEqual(
      expect.arrayContaining(['tenant.db', 'tenant.db-wal', 'tenant.db-shm', 'tls', 'tls/ca.key', 'tls/localhost.key']),
    );
    expectPrivate(entries);
    await stopCleanly(cli);
    expect(cli.stderr).not.toContain('warning');
  });

  it('an existing directory readable by others is tightened at start, with one warning line', async () => {
    const data = await tempDir();
    const first = devUnderUmask022(data);
    await first.banner();
    await stopCleanly(first);
    // As an older authmesh (or a careless copy) would have left it.
    await chmod(data, 0o755);
    await chmod(join(data, 'tenant.db'), 0o644);
    await mkdir(join(data, 'notes'), { mode: 0o755 });
    await writeFile(join(data, 'notes', 'readme.txt'), 'x', { mode: 0o644 });

    const second = devUnderUmask022(data);
    await second.banner();
    expectPrivate(await modes(data));
    const warnings = second.stderr.split('\n').filter((line) => line.includes('warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^authmesh: warning: .* was readable by other users \(mode 0755\)/);
    await stopCleanly(second);
  });
});

describe('one process per data directory', () => {
  it('a second authmesh dev on the same --data exits 1 naming the PID that holds it; the first keeps serving', async () => {
    const data = await tempDir();
    const first = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data]);
    const banner = await first.banner();

    const port = await freePort();
    const second = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', String(port), '--data', data]);
    const exit = await second.waitForExit();
    expect(exit.code).toBe(1);
    expect(second.stderr).toContain(`in use by another authmesh process (PID ${first.pid})`);
    expect(second.stdout).not.toContain('authmesh tenant ready');

    const token = await clientCredentials(banner.issuer, clientNamed(banner, 'Orders Service'), CATALOG);
    expect(token.status, token.text).toBe(200);
    await stopCleanly(first);
  });

  it('a lock whose holder died (kill -9) is taken over', async () => {
    const data = await tempDir();
    const first = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data]);
    await first.banner();
    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

    const second = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data]);
    await second.banner();
    await stopCleanly(second);
  });

  it('after a clean stop the next start takes the directory', async () => {
    const data = await tempDir();
    const args = ['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data];
    const first = new CliProcess(args);
    await first.banner();
    await stopCleanly(first);
    const second = new CliProcess(args);
    await second.banner();
    await stopCleanly(second);
  });
});

describe('client secrets in the banner', () => {
  it('printed by the start that generated them; later only with --show-secrets', async () => {
    const data = await tempDir();
    const args = ['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data];
    const first = new CliProcess(args);
    const generated = clientNamed(await first.banner(), 'Orders Service').client_secret;
    expect(generated).toMatch(/^[A-Za-z0-9_-]{48,}$/);
    await stopCleanly(first);

    const quiet = new CliProcess(args);
    const hidden = await quiet.banner();
    expect(hidden.text).not.toContain(generated);
    expect(hidden.text).toContain('client_secret  (set; authmesh export --include-secrets shows it)');
    await stopCleanly(quiet);

    const shown = new CliProcess([...args, '--show-secrets']);
    expect(clientNamed(await shown.banner(), 'Orders Service').client_secret).toBe(generated);
    await stopCleanly(shown);
  });
});
