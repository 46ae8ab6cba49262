import { webcrypto } from 'node:crypto';
import { ensureReflectMetadata } from './reflect-shim.ts';

/** The `@peculiar/x509` module. */
export type X509 = typeof import('@peculiar/x509');

let loaded: Promise<X509> | undefined;

/**
 * Loads `@peculiar/x509` on first use, on Node's WebCrypto. Dynamic so that the Reflect shim is in place
 * before tsyringe checks for it, and so that tenants without HTTPS never load the library.
 */
export function loadX509(): Promise<X509> {
  loaded ??= (async () => {
    ensureReflectMetadata();
    const x509 = await import('@peculiar/x509');
    // The library is typed against the DOM's Crypto; Node's webcrypto is that API.
    x509.cryptoProvider.set(webcrypto as never);
    return x509;
  })();
  return loaded;
}
