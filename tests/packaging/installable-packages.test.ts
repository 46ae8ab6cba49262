/**
 * The published packages, as a team would get them: built with scripts/build-packages.ts, checked with
 * publint (strict) and Are The Types Wrong, packed with `npm pack`, installed from the tarballs into a fresh
 * project outside the workspace, and used there: the SDK verifies a token the installed tenant issued, on
 * Node 22 and on Node 24, and `npx authmesh dev` runs from the installed CLI and stops on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackages } from '../../scripts/build-packages.ts';
import { consumerEnv, firstMatch, listening, NODE_24, node22, REPO, run, runOk } from './support.ts';

const BIN = join(REPO, 'node_modules', '.bin');
const CATALOG = 'https://catalog.acme.test';

let distDirs: string[] = [];
let consumer = '';
let nodeFor22 = '';
const packedFiles = new Map<string, string[]>();

/** Starts a tenant with @authmesh/testing, prints its issuer and an M2M token, and stops when stdin closes. */
const ISSUE_SCRIPT = `
import { startTenant } from '@authmesh/testing';
const tenant = await startTenant({ file: 'tenant.yaml' });
const m2m = await tenant.clientCredentials({ client: 'Orders Service', audience: '${CATALOG}' });
console.log(JSON.stringify({ issuer: tenant.issuer, token: m2m.access_token }));
process.stdin.resume();
process.stdin.on('end', () => tenant.stop());
`;

/** Verifies a token with the installed SDK for the audience given; prints the outcome as JSON. */
const VERIFY_SCRIPT = `
import { createVerifier } from '@authmesh/api';
const [issuer, token, audience] = process.argv.slice(2);
const verifier = createVerifier({ issuerBaseURL: issuer, audience });
try {
  const result = await verifier.verify(token);
  console.log(JSON.stringify({ node: process.version, ok: true, claims: result.claims }));
} catch (error) {
  console.log(JSON.stringify({ node: process.version, ok: false, code: error.code, reason: error.reason }));
}
`;

beforeAll(async () => {
  consumer = await mkdtemp(join(tmpdir(), 'authmesh-consumer-'));
  const tarballs = join(consumer, 'tarballs');
  await mkdir(tarballs);
  [distDirs, nodeFor22] = await Promise.all([buildPackages(), node22()]);
  for (const dir of distDirs) {
    const [packed] = JSON.parse(await runOk('npm', ['pack', '--json', '--pack-destination', tarballs], dir)) as {
      name: string;
      files: { path: string }[];
    }[];
    if (!packed) throw new Error(`npm pack printed nothing for ${dir}`);
    packedFiles.set(
      packed.name,
      packed.files.map((file) => file.path),
    );
  }
  await writeFile(join(consumer, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }\n');
  const names = ['api', 'server', 'testing', 'cli'].map((name) => `./tarballs/authmesh-${name}-0.1.0.tgz`);
  await runOk('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...names], consumer);
  // The example tenant, with its actions: the M2M token gets a claim from an action, so the tenant's
  // worker file (loaded by URL, not imported) is exercised from the installed package.
  await cp(join(REPO, 'examples', 'tenant.yaml'), join(consumer, 'tenant.yaml'));
  await cp(join(REPO, 'examples', 'actions'), join(consumer, 'actions'), { recursive: true });
  await writeFile(join(consumer, 'issue.mjs'), ISSUE_SCRIPT);
  await writeFile(join(consumer, 'verify.mjs'), VERIFY_SCRIPT);
}, 240_000);

afterAll(async () => {
  if (consumer) await rm(consumer, { recursive: true, force: true });
});

describe('the built packages', () => {
  it('ship JavaScript, declarations and the run-time assets, not TypeScript sources or test files', () => {
    expect([...packedFiles.keys()].sort()).toEqual([
      '@authmesh/api',
      '@authmesh/cli',
      '@authmesh/server',
      '@authmesh/testing',
    ]);
    for (const files of packedFiles.values()) {
      expect(files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
      expect(files.filter((path) => /(^|\/)tests?\/|\.test\./.test(path))).toEqual([]);
      expect(files).toContain('package.json');
    }
    const server = packedFiles.get('@authmesh/server') ?? [];
    expect(server).toContain('src/storage/postgres-migrations/001_initial.sql');
    expect(server).toContain('src/actions/worker.js');
    // The console's built app (scripts/build-packages.ts builds it from packages/console).
    expect(server).toContain('console/index.html');
    expect(server.some((path) => /^console\/assets\/index-[\w-]+\.js$/.test(path))).toBe(true);
    expect(packedFiles.get('@authmesh/cli')).toContain('bin/authmesh.js');
  });

  it('declare the Node versions they are checked on: the SDK 22 and 24, the rest 24.7+', () => {
    const engines = Object.fromEntries(
      distDirs.map((dir) => {
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name: string;
          engines: { node: string };
        };
        return [manifest.name, manifest.engines.node];
      }),
    );
    expect(engines).toEqual({
      '@authmesh/api': '>=22',
      '@authmesh/server': '>=24.7',
      '@authmesh/testing': '>=24.7',
      '@authmesh/cli': '>=24.7',
    });
  });

  it('pass publint --strict', async () => {
    for (const dir of distDirs) {
      const result = await run(join(BIN, 'publint'), ['--strict'], dir);
      expect(`${result.stdout}${result.stderr}`).toContain('All good!');
      expect(result.code).toBe(0);
    }
  }, 120_000);

  it('pass Are The Types Wrong for ESM consumers (node16 and bundler resolution)', async () => {
    for (const dir of distDirs) {
      const result = await run(join(BIN, 'attw'), ['--pack', '.', '--profile', 'esm-only', '--format', 'json'], dir);
      expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);
      const { analysis } = JSON.parse(result.stdout) as {
        analysis: { problems: { kind: string; resolutionKind?: string }[] };
      };
      // The packages are ESM only, as their engines allow: `require()` from CommonJS under node16 and the
      // pre-exports node10 resolution are not promised. Anything else would be a real problem.
      const problems = analysis.problems.filter(
        (problem) => problem.resolutionKind !== 'node10' && problem.resolutionKind !== 'node16-cjs',
      );
      expect(problems).toEqual([]);
    }
  }, 120_000);
});

describe('installed from the tarballs into a fresh project', () => {
  it('the SDK verifies a token the installed tenant issued, on Node 22 and on Node 24', async () => {
    const tenant = spawn(NODE_24, ['--disable-warning=ExperimentalWarning', 'issue.mjs'], {
      cwd: consumer,
      env: consumerEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    tenant.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    tenant.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => tenant.once('close', resolve));
    try {
      const [line] = await firstMatch(tenant, /^\{.*\}$/m, () => output);
      const { issuer, token } = JSON.parse(line) as { issuer: string; token: string };

      for (const [node, major] of [
        [nodeFor22, 'v22.'],
        [NODE_24, 'v24.'],
      ] as const) {
        const accepted = JSON.parse(await runOk(node, ['verify.mjs', issuer, token, CATALOG], consumer));
        expect(accepted.node.startsWith(major)).toBe(true);
        expect(accepted.ok).toBe(true);
        expect(accepted.claims.aud).toBe(CATALOG);
        expect(accepted.claims.iss).toBe(issuer);
        expect(accepted.claims.gty).toBe('client-credentials');
        // Set by the example's M2M action, which runs in the tenant's worker thread.
        expect(accepted.claims['https://acme.test/client_name']).toBe('Orders Service');

        const refused = JSON.parse(
          await runOk(node, ['verify.mjs', issuer, token, 'https://orders.acme.test'], consumer),
        );
        expect(refused).toMatchObject({ ok: false, code: 'ERR_TOKEN_INVALID', reason: 'audience' });
      }
    } finally {
      tenant.stdin.end();
    }
    expect(await exited).toBe(0);
  }, 60_000);

  it('`npx authmesh dev` serves the tenant, and a SIGTERM sent to npx stops it', async () => {
    const data = join(consumer, '.authmesh');
    const npx = spawn('npx', ['authmesh', 'dev', '--config', 'tenant.yaml', '--port', '0', '--data', data], {
      cwd: consumer,
      env: consumerEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npx.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    npx.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    // 'close' fires once every holder of the output pipes has exited: npm, its shell AND the tenant.
    const closed = new Promise<void>((resolve) => npx.once('close', () => resolve()));
    const [, issuer, port] = await firstMatch(npx, /issuer\s+(http:\/\/localhost:(\d+)\/)/, () => output);
    const discovery = (await (await fetch(`${issuer}.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(discovery.issuer).toBe(issuer);
    // The console, from the installed package's console/ directory.
    const consolePage = await fetch(`${issuer}console/`);
    expect(consolePage.status).toBe(200);
    expect(await consolePage.text()).toContain('<div id="root">');

    npx.kill('SIGTERM');
    await closed;
    expect(output).toContain('stopping');
    expect(await listening(Number(port))).toBe(false);
  }, 60_000);
});
