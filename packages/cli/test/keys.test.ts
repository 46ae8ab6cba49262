import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Banner,
  CliProcess,
  clientCredentials,
  clientNamed,
  decodeJwt,
  EXAMPLE_CONFIG,
  jwksKids,
  killLeftovers,
  pollUntil,
  runCli,
} from './support/cli.ts';

/*
 * `authmesh keys` beside a running `authmesh dev` on the same data directory: the command writes the stored
 * key set, and the running tenant follows it by itself (it re-reads the set every second), without a restart.
 */

const CATALOG = 'https://catalog.acme.test';
let data: string;
let dev: CliProcess;
let banner: Banner;

beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'authmesh-keys-'));
  dev = new CliProcess(['dev', '--config', EXAMPLE_CONFIG, '--port', '0', '--data', data]);
  banner = await dev.banner();
});

afterAll(async () => {
  await killLeftovers();
  await rm(data, { recursive: true, force: true });
});

async function signingKid(): Promise<unknown> {
  const reply = await clientCredentials(banner.issuer, clientNamed(banner, 'Orders Service'), CATALOG);
  return decodeJwt(String(reply.json.access_token)).header.kid;
}

describe('authmesh keys', () => {
  it('rotate publishes a key the running tenant serves before it signs; list shows it; revoke takes it out at once', async () => {
    const [current] = await jwksKids(banner.issuer);

    const rotated = await runCli(['keys', 'rotate', '--data', data, '--delay', '3600']);
    expect(rotated.code).toBe(0);
    const next = /published key (\S+);/.exec(rotated.stdout)?.[1] ?? '';
    expect(next).not.toBe('');
    await pollUntil(async () => {
      expect(await jwksKids(banner.issuer)).toEqual([current, next]);
    }, 'the running tenant to publish the next key');
    expect(await signingKid()).toBe(current);

    const listed = await runCli(['keys', 'list', '--data', data]);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${next}\\s+next\\s+signs from `));
    expect(lines[1]).toMatch(new RegExp(`^${current}\\s+current\\s+published until `));

    const refused = await runCli(['keys', 'revoke', current ?? '', '--data', data]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('rotate first');

    const revoked = await runCli(['keys', 'revoke', next, '--data', data]);
    expect(revoked.code).toBe(0);
    await pollUntil(async () => {
      expect(await jwksKids(banner.issuer)).toEqual([current]);
    }, 'the running tenant to drop the revoked key');
    expect(await signingKid()).toBe(current);
  });

  it('refuses a malformed delay and an unknown action with usage errors', async () => {
    expect((await runCli(['keys', 'rotate', '--data', data, '--delay', 'soon'])).code).toBe(2);
    expect((await runCli(['keys', 'spin', '--data', data])).code).toBe(2);
  });
});
