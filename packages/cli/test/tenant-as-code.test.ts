import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Banner, CliProcess, clientNamed, EXAMPLE_CONFIG, killLeftovers, runCli } from './support/cli.ts';

/** `authmesh export` and `authmesh import` on the data directory of a tenant that ran once. */
describe('tenant as code from the command line', () => {
  let data: string;
  let banner: Banner;

  beforeAll(async () => {
    data = await mkdtemp(join(tmpdir(), 'authmesh-tac-'));
    const cli = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data]);
    banner = await cli.banner();
    await cli.stop('SIGTERM');
  });

  afterAll(async () => {
    await killLeftovers();
    await rm(data, { recursive: true, force: true });
  });

  it('export writes the tenant as tenant.yaml without secrets, users with password keywords', async () => {
    const result = await runCli(['export', '--data', data]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('name: Orders Service');
    expect(result.stdout).toContain('@@AUTHMESH_PASSWORD_');
    expect(result.stdout).not.toContain(clientNamed(banner, 'Orders Service').client_secret ?? 'no secret');
    expect(result.stdout).not.toMatch(/\$argon2id\$|scrypt\$/);
  });

  it('export --include-secrets -o writes the secrets to a private file', async () => {
    const out = join(data, 'with-secrets.yaml');
    const result = await runCli(['export', '--data', data, '--include-secrets', '-o', out]);
    expect(result.code).toBe(0);
    expect(await readFile(out, 'utf8')).toContain(clientNamed(banner, 'Orders Service').client_secret ?? 'missing');
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  it('import --dry-run shows no change for the file the tenant runs, and the exact field for a changed one', async () => {
    const same = await runCli(['import', EXAMPLE_CONFIG, '--data', data, '--dry-run']);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^No changes/m);

    const changed = join(data, 'changed.yaml');
    const text = await readFile(EXAMPLE_CONFIG, 'utf8');
    await writeFile(changed, text.replace('token_lifetime: 3600', 'token_lifetime: 1800'));
    const plan = await runCli(['import', changed, '--data', data, '--dry-run']);
    expect(plan.stdout).toContain('token_lifetime: 3600 → 1800');
    expect(plan.stdout).toContain('Plan: 0 to create, 1 to update, 0 to delete');

    const applied = await runCli(['import', changed, '--data', data]);
    expect(applied.code).toBe(0);
    const again = await runCli(['import', changed, '--data', data, '--dry-run']);
    expect(again.stdout).toMatch(/^No changes/m);
  });

  it('export without a tenant in the data directory: exit 1 and a message saying how to start one', async () => {
    const result = await runCli(['export', '--data', join(data, 'nothing-here')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no tenant in');
  });
});
