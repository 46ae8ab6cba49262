import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthmeshError } from '../errors.ts';
import type { TenantMetrics } from './metrics.ts';

export const METRICS_PATH = '/metrics';

/** A listener that serves only `GET /metrics`. */
export interface MetricsListener {
  /** `http://host:port/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the Prometheus exposition on a listener of its own, never on the tenant's public one: metrics
 * name clients and APIs and show traffic, which the Internet has no business reading. Operators bind it
 * to a private interface (default 127.0.0.1) that only the scraper reaches.
 */
export async function startMetricsListener(
  metrics: TenantMetrics,
  options: { port: number; host?: string },
): Promise<MetricsListener> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  server.keepAliveTimeout = 5_000;
  server.listen(options.port, host);
  try {
    await once(server, 'listening');
  } catch (cause) {
    throw new AuthmeshError(
      'ERR_TENANT_START',
      `cannot listen for metrics on ${host}:${options.port}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}${METRICS_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
