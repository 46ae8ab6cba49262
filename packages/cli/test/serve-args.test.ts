import { expect, it } from 'vitest';
import { parseCommandLine } from '../src/args.ts';

const BASE = ['serve', '--config', 'tenant.yaml'];

it('serve takes an https issuer, proxies, a metrics listener and a drain timeout', () => {
  expect(
    parseCommandLine([
      ...BASE,
      '--issuer',
      'https://id.acme.test/',
      '--trust-proxy',
      '10.0.0.0/8,::1',
      '--metrics-port',
      '9464',
      '--metrics-host',
      '10.1.2.3',
      '--drain-timeout',
      '2.5',
    ]),
  ).toMatchObject({
    command: 'serve',
    issuer: 'https://id.acme.test/',
    trustProxy: ['10.0.0.0/8', '::1'],
    metricsPort: 9464,
    metricsHost: '10.1.2.3',
    drainTimeoutMs: 2_500,
    insecureHttp: false,
  });
  const defaults = parseCommandLine([...BASE, '--issuer', 'https://id.acme.test/']);
  expect(defaults).toMatchObject({
    host: '127.0.0.1',
    metricsHost: '127.0.0.1',
    drainTimeoutMs: 10_000,
    trustProxy: [],
  });
  expect(defaults).not.toHaveProperty('metricsPort');
});

it('serve accepts an http issuer only with --insecure-http', () => {
  expect(() => parseCommandLine([...BASE, '--issuer', 'http://id.acme.test/'])).toThrow(/must be an https:\/\/ URL/);
  expect(parseCommandLine([...BASE, '--issuer', 'http://id.acme.test/', '--insecure-http'])).toMatchObject({
    insecureHttp: true,
  });
});

it('serve refuses what would print secrets or pretend to terminate TLS, and bad numbers', () => {
  const issuer = ['--issuer', 'https://id.acme.test/'];
  expect(() => parseCommandLine([...BASE, ...issuer, '--show-secrets'])).toThrow(/never prints secrets/);
  expect(() => parseCommandLine([...BASE, ...issuer, '--https'])).toThrow(/reverse proxy/);
  expect(() => parseCommandLine([...BASE, ...issuer, '--metrics-port', '70000'])).toThrow(/--metrics-port/);
  expect(() => parseCommandLine([...BASE, ...issuer, '--drain-timeout', '-1'])).toThrow(/--drain-timeout/);
});

it('--rotation-delay takes a duration with a unit or seconds; serve wants at least 10s, dev takes 0s', () => {
  const serve = [...BASE, '--issuer', 'https://id.acme.test/'];
  expect(parseCommandLine([...serve, '--rotation-delay', '10m'])).toMatchObject({ rotationDelayMs: 600_000 });
  expect(parseCommandLine([...serve, '--rotation-delay', '1.5h'])).toMatchObject({ rotationDelayMs: 5_400_000 });
  expect(parseCommandLine([...serve, '--rotation-delay', '90'])).toMatchObject({ rotationDelayMs: 90_000 });
  expect(parseCommandLine(serve)).not.toHaveProperty('rotationDelayMs');
  for (const bad of ['5s', '0', '8d', 'soon', '10 minutes', '']) {
    expect(() => parseCommandLine([...serve, '--rotation-delay', bad])).toThrow(
      `--rotation-delay must be a duration such as 90s, 10m or 1h, between 10s and 7d; got "${bad}"`,
    );
  }
  const dev = ['dev', '--config', 'tenant.yaml'];
  expect(parseCommandLine([...dev, '--rotation-delay', '0s'])).toMatchObject({ rotationDelayMs: 0 });
  expect(() => parseCommandLine([...dev, '--rotation-delay', '2w'])).toThrow(/between 0s and 7d; got "2w"/);
});

it('--no-client-credentials-fast-path turns the fast path off for dev and serve; absent, the tenant decides', () => {
  const serve = [...BASE, '--issuer', 'https://id.acme.test/'];
  const dev = ['dev', '--config', 'tenant.yaml'];
  for (const base of [serve, dev]) {
    expect(parseCommandLine([...base, '--no-client-credentials-fast-path'])).toMatchObject({
      clientCredentialsFastPath: false,
    });
    expect(parseCommandLine(base)).not.toHaveProperty('clientCredentialsFastPath');
  }
});
