import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { AuthmeshError } from '../errors.ts';

/**
 * The client IP of a request, decided once at the edge and used by everything that keys on it (login
 * and client-secret throttles, the Management API rate limit, audit events).
 *
 * By default it is the socket peer: `X-Forwarded-For` is written by whoever sends the request, so
 * trusting it would let an attacker pick a fresh IP for every guess. Behind a reverse proxy, list the
 * proxy's addresses as trusted (`trustProxy` / `--trust-proxy`): when the socket peer is trusted, the
 * client is the rightmost `X-Forwarded-For` hop that is not itself trusted, which is the first address
 * that no trusted proxy vouches for. Hops to its left are the client's own claims and are ignored.
 */
export type ClientIpResolver = (req: IncomingMessage) => string;

/** Answered when the socket is already gone (the peer address is then unknown). */
const UNKNOWN = 'unknown';
/** More hops than any real proxy chain; the rest of a longer header is the client's own text. */
const MAX_HOPS = 20;

/**
 * Returns the resolver for a list of trusted proxies: addresses or CIDR ranges, IPv4 or IPv6
 * (`10.0.0.0/8`, `::1`). An empty list trusts no one and ignores `X-Forwarded-For`.
 *
 * @throws AuthmeshError `ERR_TRUST_PROXY_INVALID` naming the first entry that is not an address or range.
 */
export function createClientIpResolver(trustProxy: readonly string[] = []): ClientIpResolver {
  const trusted = trustedProxies(trustProxy);
  if (trusted === undefined) return (req) => normalizeIp(req.socket.remoteAddress) ?? UNKNOWN;
  return function clientIp(req: IncomingMessage): string {
    const peer = normalizeIp(req.socket.remoteAddress);
    if (peer === undefined) return UNKNOWN;
    if (!isTrusted(trusted, peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').slice(-MAX_HOPS);
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeIp(stripPort(hops[i]?.trim() ?? ''));
      // A hop that is not an address was not written by a trusted proxy: stop at the last one that was.
      if (hop === undefined) return client;
      client = hop;
      if (!isTrusted(trusted, hop)) return hop;
    }
    return client;
  };
}

/** Parses `--trust-proxy` entries into a BlockList, or undefined when there are none. */
function trustedProxies(entries: readonly string[]): BlockList | undefined {
  const list = new BlockList();
  let count = 0;
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [address = '', prefixText, ...rest] = entry.split('/');
    const family = isIP(address);
    const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
    const maxPrefix = family === 6 ? 128 : 32;
    if (family === 0 || rest.length > 0 || !/^\d{1,3}$/.test(String(prefix)) || prefix > maxPrefix) {
      throw new AuthmeshError(
        'ERR_TRUST_PROXY_INVALID',
        `trusted proxy "${entry}" is not an IP address or CIDR range; use e.g. 10.0.0.0/8, 192.168.1.5 or ::1`,
      );
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
    count++;
  }
  return count === 0 ? undefined : list;
}

function isTrusted(list: BlockList, ip: string): boolean {
  return list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

/** An IP in one spelling per address (`::ffff:1.2.3.4` is `1.2.3.4`), or undefined when it is not one. */
function normalizeIp(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(value)?.[1];
  const ip = mapped ?? value;
  const family = isIP(ip);
  if (family === 0) return undefined;
  return family === 6 ? ip.toLowerCase() : ip;
}

/** `1.2.3.4:5678` and `[::1]:5678` (some proxies append the port) without the port. */
function stripPort(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(hop);
  return v4WithPort?.[1] ?? hop;
}
