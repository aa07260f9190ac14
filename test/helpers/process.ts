import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/paths';

/** The built server (`npm run build`), as `npm start` runs it. */
export const SERVER_ENTRY = path.join(PROJECT_ROOT, 'dist', 'src', 'index.js');

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
 * Spawns `node dist/src/index.js` with exactly `env` (nothing inherited) in `cwd`, and
 * resolves once it prints its URL (and the demo key, when it seeds).
 */
export function spawnServer(options: {
  env: Record<string, string>;
  cwd: string;
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
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
    const seeds = options.env.NODE_ENV !== 'production';
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
