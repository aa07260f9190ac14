import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/paths';
import { waitFor } from './wait';

/** The load balancer's configuration as shipped (docker-compose.yml mounts it). */
export const NGINX_CONF = path.join(PROJECT_ROOT, 'deploy', 'nginx', 'nginx.conf');

/** The upstream servers the shipped file names (compose service names and port). */
export function nginxUpstreams(text = readFileSync(NGINX_CONF, 'utf8')): string[] {
  const block = /upstream\s+gateways\s*\{([^}]*)\}/.exec(text)?.[1];
  if (!block) throw new Error(`${NGINX_CONF} has no "upstream gateways { … }" block`);
  return [...block.matchAll(/^\s*server\s+(\S+?)(?:\s[^;]*)?;/gm)].map((match) => match[1]);
}

/**
 * Replaces `search` in `text` by `replacement`, requiring exactly `count` occurrences:
 * a shipped file that changed under a replacement fails the test rather than being
 * tested half-rendered.
 */
function replaceExactly(text: string, search: string, replacement: string, count = 1): string {
  const found = text.split(search).length - 1;
  if (found !== count) {
    throw new Error(`${NGINX_CONF}: expected "${search}" ${count} time(s), found ${found}`);
  }
  return text.split(search).join(replacement);
}

/**
 * The shipped configuration for a local run: the upstream servers become `upstreams`
 * (host:port, in the order of the file), nginx listens on 127.0.0.1:`port`, and the pid
 * and temp paths move into `dir`. Nothing else changes.
 */
export function renderNginxConf(options: { upstreams: string[]; port: number; dir: string }) {
  let text = readFileSync(NGINX_CONF, 'utf8');
  const shipped = nginxUpstreams(text);
  if (shipped.length !== options.upstreams.length) {
    throw new Error(
      `${NGINX_CONF} has ${shipped.length} upstream servers, the test runs ${options.upstreams.length}`,
    );
  }
  shipped.forEach((server, i) => {
    text = replaceExactly(text, ` ${server} `, ` ${options.upstreams[i]} `);
  });
  text = replaceExactly(text, '\n    listen 80;\n', `\n    listen 127.0.0.1:${options.port};\n`);
  text = replaceExactly(text, 'pid /var/run/nginx.pid;', `pid ${options.dir}/nginx.pid;`);
  text = replaceExactly(text, '/var/cache/nginx/', `${options.dir}/`, 5);
  return text;
}

/** A free TCP port on 127.0.0.1 (closed again, for a process to bind next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The nginx binary on PATH (Debian's package: /usr/sbin/nginx), or an error saying so. */
export function nginxBinary(): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin']) {
    const candidate = path.join(dir, 'nginx');
    if (spawnSync(candidate, ['-v']).status === 0) return candidate;
  }
  throw new Error("nginx is not installed: apt-get install -y nginx (Debian's package)");
}

/** An nginx process running the rendered shipped configuration. */
export interface NginxProcess {
  child: ChildProcess;
  /** http://127.0.0.1:port */
  url: string;
  /** What it wrote to stdout (the access log) and stderr (the error log). */
  output(): string;
  /** Stops nginx (SIGQUIT: it finishes what it serves, as a deploy would) and its files. */
  stop(): Promise<void>;
}

/**
 * Runs nginx in the foreground (`daemon off`) on the rendered shipped configuration,
 * every file in a temporary directory (`-p`, `-e`: nothing under /var), and resolves
 * once it answers. Its stdout and stderr are files there: the shipped file logs to
 * /dev/stdout and /dev/stderr (a container's pipes), which cannot be opened on a socket,
 * what Node's pipes are.
 */
export async function startNginx(upstreams: string[]): Promise<NginxProcess> {
  const binary = nginxBinary();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'yf-nginx-'));
  // Workers run as nobody when the test runs as root: they must reach the temp paths.
  await chmod(dir, 0o755);
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  await writeFile(conf, renderNginxConf({ upstreams, port, dir }));
  const logFile = path.join(dir, 'output.log');
  const log = openSync(logFile, 'a');
  const output = () => readFileSync(logFile, 'utf8');
  const args = ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')];
  const test = spawnSync(binary, [...args, '-t'], { stdio: ['ignore', log, log] });
  if (test.status !== 0) {
    closeSync(log);
    throw new Error(`nginx -t refused the rendered configuration:\n${output()}`);
  }
  const child = spawn(binary, [...args, '-g', 'daemon off;'], { stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited:\n${output()}`);
        return fetch(`${url}/healthz`).then(
          (response) => response.status === 200,
          () => false,
        );
      },
      10_000,
      'nginx to answer /healthz',
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, url, output, stop };
}
