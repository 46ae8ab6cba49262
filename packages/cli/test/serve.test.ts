import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginForCode } from '@authmesh/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CATALOG,
  CliProcess,
  CUSTOMER,
  EXAMPLE_CONFIG,
  freePort,
  getJson,
  killLeftovers,
  runCli,
  SPA,
  tokenRequest,
  tryConnect,
  within,
} from './support/cli.ts';

const tempDirs: string[] = [];
afterAll(async () => {
  await killLeftovers();
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The JSON lines `authmesh serve` wrote to stdout so far. */
function logLines(cli: CliProcess): Record<string, unknown>[] {
  return cli.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function hasLine(cli: CliProcess, msg: string): boolean {
  return cli.stdout.split('\n').some((line) => line.includes(`"msg":"${msg}"`));
}

/** Reads from `socket` until `text` has arrived; resolves with everything read. */
function readUntil(socket: Socket, text: string, received: { data: string }): Promise<string> {
  return within(
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (received.data.includes(text)) {
          socket.off('data', check);
          resolve(received.data);
        }
      };
      socket.on('data', check);
      socket.once('error', reject);
      socket.once('close', () =>
        received.data.includes(text)
          ? resolve(received.data)
          : reject(new Error(`closed before "${text}": ${received.data}`)),
      );
      check();
    }),
    15_000,
    `"${text}" on the raw connection`,
  );
}

describe('authmesh serve', () => {
  it('refuses to start without an https issuer unless --insecure-http says so', async () => {
    const http = await runCli(['serve', '--config', EXAMPLE_CONFIG, '--issuer', 'http://localhost:4000/']);
    expect(http.code).toBe(2);
    expect(http.stderr).toContain('--issuer must be an https:// URL');
    const none = await runCli(['serve', '--config', EXAMPLE_CONFIG]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--issuer <https://…> is required');
    const tls = await runCli(['serve', '--config', EXAMPLE_CONFIG, '--issuer', 'https://id.acme.test/', '--https']);
    expect(tls.code).toBe(2);
    expect(tls.stderr).toContain('reverse proxy');
  });

  it('logs JSON without secrets, serves probes and metrics, and drains on SIGTERM: the request in flight gets its 200', async () => {
    const data = await mkdtemp(join(tmpdir(), 'authmesh-serve-test-'));
    tempDirs.push(data);
    const [port, metricsPort] = [await freePort(), await freePort()];
    const issuer = `http://localhost:${port}/`;
    const cli = new CliProcess([
      'serve',
      '--config',
      EXAMPLE_CONFIG,
      '--data',
      data,
      '--port',
      String(port),
      '--issuer',
      issuer,
      '--insecure-http',
      '--metrics-port',
      String(metricsPort),
    ]);
    await cli.until(() => hasLine(cli, 'authmesh tenant ready'), 'the ready line');
    const ready = logLines(cli).find((line) => line.msg === 'authmesh tenant ready');
    expect(ready).toMatchObject({
      issuer,
      listening: `http://127.0.0.1:${port}`,
      metrics: `http://127.0.0.1:${metricsPort}/metrics`,
    });

    expect((await getJson(new URL('healthz', issuer))).json).toEqual({ status: 'ok' });
    expect((await getJson(new URL('readyz', issuer))).status).toBe(200);
    // The console (docs/console.md): its data only for a Management API token, never a token of its own.
    expect((await getJson(new URL('console/api/session', issuer))).json).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Missing authentication',
    });

    // A login and a code exchange, so that the log had a password and tokens to leak.
    const login = await loginForCode({
      issuer,
      clientId: SPA.clientId,
      redirectUri: SPA.redirectUri,
      username: CUSTOMER.username,
      password: CUSTOMER.password,
      audience: CATALOG,
      scope: 'openid profile email offline_access',
    });
    const tokens = await tokenRequest(issuer, {
      grant_type: 'authorization_code',
      client_id: SPA.clientId,
      code: login.code,
      code_verifier: login.verifier,
      redirect_uri: SPA.redirectUri,
    });
    expect(tokens.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain(
      `authmesh_tokens_issued_total{grant_type="authorization_code",client_id="${SPA.clientId}",audience="${CATALOG}"} 1`,
    );
    expect(metrics).toContain('authmesh_logins_total{outcome="success"} 1');

    // An idle keep-alive connection: the drain must close it rather than wait for the client.
    const idle = connect({ host: '127.0.0.1', port });
    const idleReceived = { data: '' };
    idle.setEncoding('utf8');
    idle.on('data', (chunk: string) => {
      idleReceived.data += chunk;
    });
    const idleClosed = new Promise((resolve) => idle.once('close', resolve));
    idle.write(`GET /healthz HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: keep-alive\r\n\r\n`);
    await readUntil(idle, '{"status":"ok"}', idleReceived);

    // A request in flight: its headers are in (the server answered 100 Continue), its body is not.
    const body = new URLSearchParams({ client_id: SPA.clientId, token: String(tokens.json.refresh_token) }).toString();
    const socket = connect({ host: '127.0.0.1', port });
    const received = { data: '' };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received.data += chunk;
    });
    socket.write(
      'POST /oauth/revoke HTTP/1.1\r\n' +
        `Host: localhost:${port}\r\n` +
        'Content-Type: application/x-www-form-urlencoded\r\n' +
        `Content-Length: ${body.length}\r\n` +
        'Expect: 100-continue\r\n\r\n',
    );
    await readUntil(socket, '100 Continue', received);

    cli.child.kill('SIGTERM');
    await cli.until(() => hasLine(cli, 'draining'), 'the draining line');
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    await within(idleClosed, 15_000, 'the idle keep-alive connection to be closed');
    socket.write(body);
    // The server closes the connection after the response: a kept-alive socket would outlive the drain.
    await within(
      new Promise((resolve) => socket.once('close', resolve)),
      15_000,
      () => `the server to close the connection; got:\n${received.data}`,
    );
    const response = received.data.slice(received.data.indexOf('HTTP/1.1 2'));
    expect(received.data).toMatch(/^HTTP\/1\.1 100 Continue\r\n/);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response.toLowerCase()).toContain('connection: close');

    expect(await cli.waitForExit()).toEqual({ code: 0, signal: null });
    expect(logLines(cli).at(-1)).toMatchObject({ msg: 'stopped' });
    expect(logLines(cli)).toContainEqual(
      expect.objectContaining({ msg: 'request', route: '/oauth/revoke', status: 200 }),
    );
    expect(cli.stderr).toBe('');

    // Nothing printed is a secret: the generated client secrets (read back now that the tenant has
    // stopped), the user's password, the code and the tokens.
    const exported = await runCli(['export', '--data', data, '--include-secrets']);
    const generated = [...exported.stdout.matchAll(/client_secret: (\S+)/g)].map((m) => m[1] ?? '');
    expect(generated.length).toBeGreaterThan(0);
    for (const secret of [
      ...generated,
      CUSTOMER.password,
      login.code,
      String(tokens.json.access_token),
      String(tokens.json.refresh_token),
      String(tokens.json.id_token),
    ]) {
      expect(secret.length).toBeGreaterThan(8);
      expect(cli.stdout).not.toContain(secret);
    }
  }, 60_000);
});
