/**
 * What the three Express servers share: the catalog route's handler, the options from the parent (env), and
 * the start-up line (JSON with the URL, first stdout line) that run.ts waits for.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Express, Request, Response } from 'express';

export const ISSUER_BASE_URL = process.env.BENCH_ISSUER_BASE_URL ?? '';
export const AUDIENCE = process.env.BENCH_AUDIENCE ?? '';
export const REQUIRED_SCOPE = process.env.BENCH_REQUIRED_SCOPE ?? '';

const PRODUCTS = [
  { id: 'sku-1001', name: 'Espresso beans 1 kg', price: 24.5 },
  { id: 'sku-1002', name: 'Filter papers (100)', price: 3.9 },
  { id: 'sku-1003', name: 'Hand grinder', price: 79 },
];

export function products(_req: Request, res: Response): void {
  res.json(PRODUCTS);
}

export async function listen(app: Express, note: string): Promise<void> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}`, note }));
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
