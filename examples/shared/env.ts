/**
 * Reading configuration from environment variables, with one message per problem that names the variable
 * and the fix. Shared by the three example APIs (copy it along when you lift one of them out).
 */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The variables a process was started with. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Thrown with every configuration problem found, so that one start-up reports them all. */
export class EnvError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'EnvError';
    this.problems = problems;
  }
}

/** Collects problems while values are read; `done()` throws them together. */
export interface EnvReader {
  /**
   * An http(s) URL, e.g. the issuer. With `loopbackHttpOnly`, plain http is accepted only for this machine
   * (tokens must not cross a network unencrypted): the SDK has the same rule, this names the variable.
   */
  url(name: string, example: string, options?: { fallback?: string; loopbackHttpOnly?: boolean }): string;
  /** An origin (scheme, host, port; no path), e.g. the SPA's. */
  origin(name: string, fallback: string): string;
  /** A TCP port. */
  port(name: string, fallback: number): number;
  /** Any non-empty string. */
  text(name: string, fix: string, fallback?: string): string;
  /** Throws an {@link EnvError} when any value was wrong. */
  done(): void;
}

/**
 * Starts reading `env`.
 *
 * @example
 * const read = readEnv(process.env);
 * const port = read.port('PORT', 4001);
 * read.done(); // throws EnvError listing every problem
 */
export function readEnv(env: Env): EnvReader {
  const problems: string[] = [];
  const value = (name: string, fallback: string | undefined, fix: string): string | undefined => {
    const raw = env[name]?.trim();
    if (raw) return raw;
    if (fallback !== undefined) return fallback;
    problems.push(`${name} is not set. Fix: ${fix}`);
    return undefined;
  };
  return {
    url(name, example, options = {}) {
      const raw = value(name, options.fallback, `set it, e.g. ${name}=${example}`);
      if (raw === undefined) return '';
      const url = URL.parse(raw);
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        problems.push(`${name}="${raw}" is not an http(s) URL. Fix: set it like ${name}=${example}`);
      } else if (options.loopbackHttpOnly && url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
        problems.push(`${name}="${raw}" uses http for a host that is not this machine. Fix: use https://${url.host}/`);
      }
      return raw;
    },
    origin(name, fallback) {
      const raw = value(name, fallback, `set it, e.g. ${name}=${fallback}`) ?? '';
      const url = URL.parse(raw);
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== raw.replace(/\/$/, '')) {
        problems.push(
          `${name}="${raw}" is not an origin (scheme://host[:port], no path). Fix: set it like ${name}=${fallback}`,
        );
        return raw;
      }
      return url.origin;
    },
    port(name, fallback) {
      const raw = value(name, String(fallback), '') ?? '';
      const port = Number(raw);
      if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) {
        problems.push(`${name}="${raw}" is not a TCP port. Fix: set it to a number from 1 to 65535, e.g. ${fallback}`);
        return fallback;
      }
      return port;
    },
    text(name, fix, fallback) {
      return value(name, fallback, fix) ?? '';
    },
    done() {
      if (problems.length > 0) throw new EnvError(problems);
    },
  };
}
