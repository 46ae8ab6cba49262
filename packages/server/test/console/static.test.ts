import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../src/create-tenant.ts';
import { startConsoleTenant } from './support.ts';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** A GET of exactly this path: fetch would resolve `..` and decode nothing, which is not what an attacker sends. */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The console's built files as `npm run build:console` lays them out, in a temporary directory. */
describe('the console’s static files', () => {
  let dir: string;
  let tenant: Tenant;
  const index =
    '<!doctype html><title>console</title><script type="module" src="/console/assets/index-Ab12Cd34.js"></script>';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'authmesh-console-'));
    mkdirSync(join(dir, 'app', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'app', 'index.html'), index);
    writeFileSync(join(dir, 'app', 'assets', 'index-Ab12Cd34.js'), 'console.log("app");');
    writeFileSync(join(dir, 'app', 'assets', 'index-Ef56Gh78.css'), 'body{margin:0}');
    writeFileSync(join(dir, 'app', 'assets', 'inter-Zz99.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
    writeFileSync(join(dir, 'app', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    // Outside the build directory: must never be served.
    writeFileSync(join(dir, 'secret.txt'), 'not for the console');
    tenant = await startConsoleTenant({ console: { access: 'loopback', buildDir: join(dir, 'app') } });
  });
  afterAll(async () => {
    await tenant?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at /console, /console/ and the app’s own routes, never cached, with the console’s CSP', async () => {
    for (const path of ['console', 'console/', 'console/activity', 'console/inspector/deep']) {
      const response = await fetch(new URL(path, tenant.url));
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toBe(CSP);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(await response.text()).toBe(index);
    }
  });

  it('answers a repeated request for index.html with 304 when its ETag still matches', async () => {
    const first = await fetch(new URL('console/', tenant.url));
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(new URL('console/', tenant.url), { headers: { 'if-none-match': String(etag) } });
    expect(again.status).toBe(304);
  });

  it('serves hashed assets with their content types, cached for a year', async () => {
    const cases: [string, string][] = [
      ['console/assets/index-Ab12Cd34.js', 'text/javascript; charset=utf-8'],
      ['console/assets/index-Ef56Gh78.css', 'text/css; charset=utf-8'],
      ['console/assets/inter-Zz99.woff2', 'font/woff2'],
    ];
    for (const [path, type] of cases) {
      const response = await fetch(new URL(path, tenant.url));
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const icon = await fetch(new URL('console/favicon.svg', tenant.url));
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(new URL('console/assets/missing-123.js', tenant.url))).status).toBe(404);
  });

  it('never serves a file outside the build directory, however the path is spelled', async () => {
    for (const path of [
      '/console/../secret.txt',
      '/console/assets/../../secret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/console/..%2fsecret.txt',
      '/console/.%2e/secret.txt',
      '/console/assets/..\\..\\secret.txt',
      '/console/.hidden.js',
    ]) {
      const response = await rawGet(tenant.url, path);
      expect(response.body, path).not.toContain('not for the console');
      expect(response.status, path).not.toBe(200);
    }
  });

  it('allows only GET and HEAD on the app’s files', async () => {
    const posted = await fetch(new URL('console/', tenant.url), { method: 'POST' });
    expect(posted.status).toBe(405);
    const head = await fetch(new URL('console/assets/index-Ab12Cd34.js', tenant.url), { method: 'HEAD' });
    expect(head.status).toBe(200);
  });
});

describe('a console that is not built', () => {
  it('answers /console with 503 and the command that builds it', async () => {
    const tenant = await startConsoleTenant({
      console: { access: 'loopback', buildDir: join(tmpdir(), 'authmesh-console-never-built') },
    });
    try {
      const response = await fetch(new URL('console', tenant.url));
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain('The console is not built: run npm run build:console');
    } finally {
      await tenant.close();
    }
  });
});
