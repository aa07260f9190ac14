import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/paths';

/** The built server (`npm run build`), as `npm start` runs it. */
export const SERVER_ENTRY = path.join(PROJECT_ROOT, 'dist', 'src', 'index.js');

/** The arguments `npm start` gives the server (package.json's start script). */
export const START_ARGS: string[] = (
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  }
).scripts.start
  .split(/\s+/)
  .slice(2);

/** A server running as its own process. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  demoKey?: string;
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * Spawns the server as `npm start` does (or with `args`, e.g. `[]` for the bare
 * `node dist/src/index.js` of a deployment) with exactly `env` (nothing inherited) in
 * `cwd`, and resolves once it prints its URL (and the demo key, when it seeds).
 */
export function spawnServer(options: {
  env: Record<string, string>;
  cwd: string;
  args?: string[];
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const args = options.args ?? START_ARGS;
  const child = spawn(process.execPath, [SERVER_ENTRY, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let url: string | undefined;
    let demoKey: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${stdout.join('\n')}\n${stderr.join('\n')}`));
    }, options.timeoutMs ?? 30_000);
    const nodeEnv =
      options.env.NODE_ENV ||
      args.find((arg) => arg.startsWith('--default-node-env='))?.split('=')[1] ||
      'production';
    const seeds = options.env.SEED_DEMO
      ? options.env.SEED_DEMO === 'true'
      : nodeEnv === 'development';
    const check = () => {
      if (url && (demoKey || !seeds)) {
        clearTimeout(timer);
        resolve({ child, url, demoKey, stdout, stderr, exited });
      }
    };
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (!line) continue;
        stdout.push(line);
        url ??= /^Yieldflow is ready: (\S+)/.exec(line)?.[1];
        demoKey ??= /^Demo API key \(PRO plan\): (\S+)/.exec(line)?.[1];
      }
      check();
    });
    child
      .stderr!.setEncoding('utf8')
      .on('data', (chunk: string) => stderr.push(...chunk.split('\n').filter(Boolean)));
    exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `server exited with ${code} before it was ready:\n${stderr.join('\n')}\n${stdout.join('\n')}`,
        ),
      );
    });
  });
}

/** Runs `node dist/src/index.js` (or another script) to completion. */
export function runNode(
  args: string[],
  options: { env: Record<string, string>; cwd: string; stdin?: string },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env });
    child.stdin.end(options.stdin ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
