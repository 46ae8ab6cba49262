import type { Server, ServerResponse } from 'node:http';

/** Stops a server gracefully; see {@link trackInFlight}. */
export interface Drain {
  /** True once draining has begun (readiness then fails). */
  readonly draining: boolean;
  /**
   * Stops accepting connections, lets the requests in flight finish for at most `graceMs`, closes idle
   * keep-alive connections (and each busy one once its response is sent), then ends whatever is left.
   * Resolves once the server is closed. Idempotent.
   */
  drain(graceMs: number): Promise<void>;
}

/**
 * Tracks the responses in flight on `server` so that a stop can wait for them. Install before the
 * server's request handler: it adds its own `request` listener.
 */
export function trackInFlight(server: Server): Drain {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  let drained: Promise<void> | undefined;
  let settle: (() => void) | undefined;
  server.on('request', (_req, res: ServerResponse) => {
    // A request that arrives on a kept-alive connection after the stop began is still served, and that
    // connection is then closed: the client retries its next request elsewhere.
    if (draining) res.shouldKeepAlive = false;
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (draining && inFlight.size === 0) settle?.();
    });
  });
  return {
    get draining() {
      return draining;
    },
    drain(graceMs: number): Promise<void> {
      drained ??= (async () => {
        draining = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const res of inFlight) res.shouldKeepAlive = false;
        server.closeIdleConnections();
        if (inFlight.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            settle = resolve;
            timer = setTimeout(resolve, graceMs);
          });
          clearTimeout(timer);
        }
        server.closeAllConnections();
        await closed;
      })();
      return drained;
    },
  };
}
