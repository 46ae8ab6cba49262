import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Keys that hold secrets wherever they appear one or two levels deep in a log object. Nothing in the tenant
 * logs them (access lines carry no bodies, queries or headers); this is the second line of defence.
 */
const REDACTED_KEYS = [
  'password',
  'client_secret',
  'access_token',
  'refresh_token',
  'id_token',
  'code',
  'authorization',
  'cookie',
];

/**
 * A JSON-lines logger for a production tenant: one object per line with `level`, `time` (ISO 8601) and
 * `msg`, to stdout unless `destination` says otherwise, for a log collector to parse.
 */
export function createJsonLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'authmesh' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`]), censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
