import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's location (tests/packaging/). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The Node 24 that `npm install` brought (the root's `node` devDependency). */
export const NODE_24 = join(REPO, 'node_modules', 'node', 'bin', 'node');
/**
 * The Node 22 the SDK is checked on. It is not a devDependency: the npm package `node` names its binary
 * `node`, so a second copy (`"node22": "npm:node@22…"`) would take over `node_modules/.bin/node`, the
 * Node 24 every script runs on. It is installed once into the system temp folder instead.
 */
export const NODE_22_VERSION = '22.23.3';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a command run in the consumer project: Node 24 first on PATH (npm, npx and the
 * `#!/usr/bin/env node` bins run on it), and nothing of this test run's npm (npm_* variables would point npm
 * at the workspace) or of the test runner (NODE_OPTIONS).
 */
export function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'NODE_OPTIONS' && key !== 'INIT_CWD') env[key] = value;
  }
  env.PATH = `${dirname(NODE_24)}${delimiter}${process.env.PATH ?? ''}`;
  return env;
}

/** Runs a command to completion and collects its output (never rejects on a non-zero exit). */
export function run(command: string, args: string[], cwd: string, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: consumerEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Like {@link run}, but a non-zero exit is an error that shows what the command printed. */
export async function runOk(command: string, args: string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Node 22 from the npm package `node@22`, installed into the temp folder on first use and reused after. */
export async function node22(): Promise<string> {
  const prefix = join(tmpdir(), `authmesh-node-${NODE_22_VERSION}`);
  const binary = join(prefix, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(binary)) {
    await mkdir(prefix, { recursive: true });
    await runOk(
      'npm',
      ['install', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', `node@${NODE_22_VERSION}`],
      prefix,
    );
  }
  return binary;
}

/** Resolves with the first line of a child's stdout that matches `pattern`, or rejects when it exits first. */
export function firstMatch(child: ChildProcess, pattern: RegExp, output: () => string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(output());
      if (match) {
        child.stdout?.off('data', check);
        child.off('exit', onExit);
        resolve(match);
      }
    };
    const onExit = () => reject(new Error(`exited before printing ${pattern}:\n${output()}`));
    child.stdout?.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
