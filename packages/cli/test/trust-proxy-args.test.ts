import { expect, it } from 'vitest';
import { parseCommandLine } from '../src/args.ts';

/** `--trust-proxy` takes comma-separated lists and may be repeated; without it no proxy is trusted. */
it('--trust-proxy collects every entry of every occurrence; the default trusts no one', () => {
  const args = parseCommandLine([
    'dev',
    '--config',
    'tenant.yaml',
    '--trust-proxy',
    '10.0.0.0/8, ::1',
    '--trust-proxy',
    '192.168.1.5',
  ]);
  expect(args).toMatchObject({ command: 'dev', trustProxy: ['10.0.0.0/8', '::1', '192.168.1.5'] });
  expect(parseCommandLine(['dev', '--config', 'tenant.yaml'])).toMatchObject({ trustProxy: [] });
});
