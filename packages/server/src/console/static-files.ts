import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'koa';

/**
 * The console's built files (`npm run build:console` writes them to `packages/server/console/`).
 * This module is `src/console/static-files.ts` in the workspace and `dist/src/console/static-files.js` in
 * the published package, whose root is `dist/` (scripts/build-packages.ts): `../../console/` is
 * `packages/server/console/` in the first and `<package root>/console/` in the second.
 */
export const CONSOLE_BUILD_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

/** Served to the console's pages and scripts only: everything from the tenant's own origin, no inline code. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

/** One name segment of a built file: letters, digits, `.`, `_`, `-`, not starting with a dot. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const NOT_BUILT =
  '<!doctype html><meta charset="utf-8"><title>authmesh console</title>' +
  '<p>The console is not built: run npm run build:console</p>';

/**
 * Serves the built console under `/console`: `index.html` (never cached, with an ETag) for `/console`,
 * `/console/` and the app's own client-side routes, hashed files under `/console/assets/` cached for a year.
 * Only names made of safe segments are looked up, and only inside the build directory: `..`, encoded
 * separators and dot-files never reach the file system.
 */
export class ConsoleStaticFiles {
  readonly #dir: string;

  constructor(dir: string = CONSOLE_BUILD_DIR) {
    this.#dir = dir.endsWith(sep) ? dir : `${dir}${sep}`;
  }

  /**
   * Answers a GET/HEAD below `/console` (not `/console/api/`). `relative` is the path after `/console/`
   * (`''` for the index).
   */
  async serve(ctx: Context, relative: string): Promise<void> {
    ctx.set('Content-Security-Policy', CONSOLE_CSP);
    ctx.set('X-Frame-Options', 'DENY');
    const segments = relative === '' ? [] : relative.split('/');
    if (!segments.every((s) => SEGMENT.test(s))) return notFound(ctx);
    const last = segments.at(-1) ?? '';
    // A path without an extension is one of the app's own routes (client-side routing): the index answers.
    const file = segments.length === 0 || extname(last) === '' ? ['index.html'] : segments;
    const path = join(this.#dir, ...file);
    if (!path.startsWith(this.#dir)) return notFound(ctx);
    const body = await readIfFile(path);
    if (body === undefined) {
      if (file[0] === 'index.html') return notBuilt(ctx);
      return notFound(ctx);
    }
    ctx.type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
    if (file[0] === 'assets' && file.length > 1) {
      // Vite names these files by their content hash: a changed file has a new name.
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    } else {
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      ctx.set('ETag', etag);
      ctx.set('Cache-Control', 'no-cache');
      if (ctx.get('If-None-Match') === etag) {
        ctx.status = 304;
        return;
      }
    }
    ctx.status = 200;
    ctx.body = body;
  }
}

async function readIfFile(path: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return await readFile(path);
  } catch {
    return undefined;
  }
}

function notFound(ctx: Context): void {
  ctx.status = 404;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = 'Not Found';
}

function notBuilt(ctx: Context): void {
  ctx.status = 503;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = NOT_BUILT;
}
