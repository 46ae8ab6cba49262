import type { LocalCertificates } from '@authmesh/server';

/**
 * How to trust the local CA, printed with `--https`. Only the CA certificate's path is printed: never a
 * private key. The browser advice is for people; `--ignore-certificate-errors-spki-list` is named only to
 * say it is not the way, because it is easy to find and turns off checks a developer should see working.
 */
export function trustInstructions(tls: LocalCertificates): string[] {
  const ca = tls.caCertPath;
  return [
    `  https      local CA ${ca}${tls.created.ca ? ' (new)' : ''}${tls.created.leaf ? ', localhost certificate issued' : ''}`,
    '    trust it in Node apps (node-auth0, openid-client, express-oauth2-jwt-bearer), before they start:',
    `      export NODE_EXTRA_CA_CERTS=${ca}`,
    '    trust it in a browser: import it as a trusted certificate authority in the certificate settings',
    '      (Chrome/Edge: Settings > Privacy and security > Security > Manage certificates; Firefox:',
    '      Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import), or on Linux:',
    `      certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n authmesh -i ${ca}`,
    "    (Chromium's --ignore-certificate-errors-spki-list is for automated tests only.)",
  ];
}
