import { argon2, argon2Sync, scrypt, scryptSync } from 'node:crypto';
import { promisify } from 'node:util';

/*
 * The one expensive step of password storage, the key derivation, as plain data in and bytes out, so that
 * it can run wherever the tenant chooses: on a password-hashing worker thread (password-pool.ts, the
 * default) or on libuv's thread pool (`passwordHashing: { threads: 0 }`, what the tenant did before).
 * node:crypto's `argon2` exists from Node 24.7 on, which is why the server package requires it (engines).
 */

/** One argon2id derivation (RFC 9106), parameters as node:crypto names them. */
export interface Argon2idJob {
  kind: 'argon2id';
  message: string;
  nonce: Uint8Array;
  /** KiB. */
  memory: number;
  passes: number;
  parallelism: number;
  tagLength: number;
}

/** One scrypt derivation (legacy hashes only: they are verified, never written). */
export interface ScryptJob {
  kind: 'scrypt';
  password: string;
  salt: Uint8Array;
  keyLength: number;
  N: number;
  r: number;
  p: number;
  maxmem: number;
}

export type KdfJob = Argon2idJob | ScryptJob;

/**
 * Where derivations run. Implementations: the tenant's worker pool (`PasswordHashingPool`) and
 * {@link libuvHasher}. `derive` may reject with `ERR_PASSWORD_HASHING_BUSY` when too many wait already.
 */
export interface PasswordHasher {
  derive(job: KdfJob): Promise<Buffer>;
  /** The same hasher for work no client waits on (seeding users), never refused; absent: this one. */
  readonly patient?: PasswordHasher;
}

/** The derivation on the calling thread (what a hashing worker runs). */
export function deriveSync(job: KdfJob): Buffer {
  if (job.kind === 'argon2id') {
    return argon2Sync('argon2id', {
      message: job.message,
      nonce: job.nonce,
      memory: job.memory,
      passes: job.passes,
      parallelism: job.parallelism,
      tagLength: job.tagLength,
    });
  }
  return scryptSync(job.password, job.salt, job.keyLength, { N: job.N, r: job.r, p: job.p, maxmem: job.maxmem });
}

const argon2Async = promisify(argon2);
const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Uint8Array,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * Derivations on libuv's thread pool (4 threads by default, shared with RS256 signing, file system and
 * DNS work), unbounded. What the tenant did before the worker pool, and what tools that hash a few
 * passwords outside a running tenant (`authmesh import`'s plan, seeding tests) still use.
 */
export const libuvHasher: PasswordHasher = {
  derive(job) {
    if (job.kind === 'argon2id') {
      return argon2Async('argon2id', {
        message: job.message,
        nonce: job.nonce,
        memory: job.memory,
        passes: job.passes,
        parallelism: job.parallelism,
        tagLength: job.tagLength,
      });
    }
    return scryptAsync(job.password, job.salt, job.keyLength, { N: job.N, r: job.r, p: job.p, maxmem: job.maxmem });
  },
};
