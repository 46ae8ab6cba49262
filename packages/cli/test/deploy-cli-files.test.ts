import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliProcess, clientCredentials, clientNamed, decodeJwt, killLeftovers, REPO, runCli } from './support/cli.ts';

/**
 * A team's own Deploy CLI files, as `authmesh dev` takes them: a directory export with the `config.json`
 * they give `a0deploy` for its keywords, and a refusal that names the JSON file, the path and the line.
 */
const CORPUS = join(REPO, 'tests', 'deploy-cli-corpus', 'directory');
const tempDirs: string[] = [];
afterAll(async () => {
  await killLeftovers();
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'authmesh-deploy-cli-'));
  tempDirs.push(dir);
  return dir;
}

describe('authmesh dev with Deploy CLI files', () => {
  it('starts from a directory export with --keywords config.json and serves its grant', async () => {
    const cli = new CliProcess([
      'dev',
      '--config',
      join(CORPUS, '15-full-export'),
      '--keywords',
      join(CORPUS, '15-full-export.config.json'),
      '--port',
      '0',
      '--data',
      await tempDir(),
    ]);
    try {
      const banner = await cli.banner();
      expect(banner.text).toContain('warning: rules: 1 entry, not emulated');
      const worker = clientNamed(banner, 'Shop Fulfilment');
      const answer = await clientCredentials(banner.issuer, worker, 'https://shop.acme.test/api');
      expect(answer.status).toBe(200);
      expect(decodeJwt(String(answer.json.access_token)).payload).toMatchObject({
        aud: 'https://shop.acme.test/api',
        scope: 'read:orders ship:orders',
      });
    } finally {
      if (!cli.exit) await cli.stop('SIGINT');
    }
  });

  it('refuses a broken directory, naming the JSON file, the path, the line and the fix', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'clients'));
    await writeFile(
      join(dir, 'clients', 'Web.json'),
      '{\n  "name": "Web",\n  "app_type": "regular_web",\n  "callback": []\n}\n',
    );
    const run = await runCli(['dev', '--config', dir, '--port', '0', '--data', await tempDir()]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      `${join(dir, 'clients', 'Web.json')} at callback (line 4): unknown field \`callback\``,
    );
    expect(run.stderr).toContain('fix: rename `callback` to `callbacks`');
  });

  it('says which keywords file it cannot read', async () => {
    const run = await runCli([
      'dev',
      '--config',
      join(CORPUS, '14-basic'),
      '--keywords',
      join(CORPUS, 'missing.config.json'),
      '--port',
      '0',
      '--data',
      await tempDir(),
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`keywords file ${join(CORPUS, 'missing.config.json')} cannot be read (ENOENT)`);
  });
});
