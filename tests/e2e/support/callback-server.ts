import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the client application received: how it came and what it carried. */
export interface ReceivedCallback {
  method: string;
  path: string;
  /** The query string's parameters for a GET, the urlencoded body's for a POST. */
  params: Record<string, string>;
}

export interface CallbackServer {
  url: string;
  /** Every request received so far, oldest first. */
  received: ReceivedCallback[];
  close(): Promise<void>;
}

/**
 * A client application's side of a browser flow on 127.0.0.1: it records every request (GET query or
 * POST form body) and answers with a small page, so a test can assert on what the browser delivered
 * and how (a `response_mode=form_post` answer must arrive as a POST, not in the URL).
 */
export async function serveCallbacks(): Promise<CallbackServer> {
  const received: ReceivedCallback[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // Browsers ask for it on their own; it is not part of any flow.
    if (url.pathname === '/favicon.ico') {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    const params = req.method === 'POST' ? new URLSearchParams(body) : url.searchParams;
    received.push({ method: req.method ?? '', path: url.pathname, params: Object.fromEntries(params) });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end('<!doctype html><title>Client application</title><h1>Callback received</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
