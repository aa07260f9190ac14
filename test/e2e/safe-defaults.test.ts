import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runNode, SERVER_ENTRY, spawnServer, type ServerProcess } from '../helpers/process';
import { describeAnyMode } from '../helpers/any-mode';

const SECRET = 'a-production-secret-of-at-least-32-chars';
const mode = async (file: string) => (await stat(file)).mode & 0o777;

function listeningAddress(lines: string[]): string | undefined {
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; address?: string };
    if (entry.msg === 'server listening') return entry.address;
  }
  return undefined;
}

// The bound address, from the server's own "server listening" log line (its logger
// writes asynchronously, so the line may follow the banner).
function boundAddress(server: ServerProcess): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      const address = listeningAddress(server.stdout);
      if (address === undefined) return;
      server.child.stdout!.off('data', onData);
      resolve(address);
    };
    // Runs after spawnServer's own listener has stored the chunk's lines.
    const onData = () => setImmediate(check);
    server.child.stdout!.on('data', onData);
    check();
  });
}

async function stop(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
}

describeAnyMode('node dist/src/index.js without NODE_ENV (a deployment that forgot it)', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-safe-'));
  });
  afterEach(() => rm(cwd, { recursive: true, force: true }));

  it('is production: refuses to start without JWT_SECRET', async () => {
    const result = await runNode([SERVER_ENTRY], { cwd, env: { PORT: '0' } });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'config error: JWT_SECRET: required in production, which an unset NODE_ENV means (at least 32 characters)',
    );
  });

  it('is production: seeds and prints nothing, writes no secret, binds every interface', async () => {
    const server = await spawnServer({ cwd, args: [], env: { PORT: '0', JWT_SECRET: SECRET } });
    try {
      expect(server.demoKey).toBeUndefined();
      expect(server.stdout.join('\n')).not.toMatch(/Demo API key|yf_test_/);
      expect(await boundAddress(server)).toBe('0.0.0.0');
      const dataDir = path.join(cwd, '.yieldflow');
      const files = await readdir(dataDir);
      expect(files).not.toContain('demo-key.txt');
      expect(files).not.toContain('jwt-secret');
      expect(await mode(dataDir)).toBe(0o700);
      const seeded = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query:
            'mutation { login(email: "demo@yieldflow.local", password: "anything at all 1") { accessToken } }',
        }),
      });
      const body = (await seeded.json()) as { errors?: Array<{ extensions: { code: string } }> };
      expect(body.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    } finally {
      await stop(server);
    }
  });
});

describeAnyMode('npm start (development by default)', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-safe-'));
  });
  afterEach(() => rm(cwd, { recursive: true, force: true }));

  it('binds loopback unless HOST says otherwise', async () => {
    const server = await spawnServer({ cwd, env: { PORT: '0' } });
    try {
      expect(server.demoKey).toMatch(/^yf_test_/);
      expect(await boundAddress(server)).toBe('127.0.0.1');
    } finally {
      await stop(server);
    }
    const wide = await spawnServer({ cwd, env: { PORT: '0', HOST: '0.0.0.0' } });
    try {
      expect(await boundAddress(wide)).toBe('0.0.0.0');
    } finally {
      await stop(wide);
    }
  });

  it('keeps DATA_DIR 0700 and its secret files 0600, fixing ones left wider', async () => {
    const dataDir = path.join(cwd, '.yieldflow');
    const fresh = await spawnServer({ cwd, env: { PORT: '0' } });
    try {
      expect(await mode(dataDir)).toBe(0o700);
      expect(await mode(path.join(dataDir, 'jwt-secret'))).toBe(0o600);
      expect(await mode(path.join(dataDir, 'demo-key.txt'))).toBe(0o600);
    } finally {
      await stop(fresh);
    }

    // An older version, a umask or a copy left them readable by others.
    await chmod(dataDir, 0o755);
    await chmod(path.join(dataDir, 'jwt-secret'), 0o644);
    await chmod(path.join(dataDir, 'demo-key.txt'), 0o644);
    const again = await spawnServer({ cwd, env: { PORT: '0' } });
    try {
      expect(again.demoKey).toBe(fresh.demoKey);
      expect(await mode(dataDir)).toBe(0o700);
      expect(await mode(path.join(dataDir, 'jwt-secret'))).toBe(0o600);
      expect(await mode(path.join(dataDir, 'demo-key.txt'))).toBe(0o600);
    } finally {
      await stop(again);
    }
  });

  it('fixes the modes of a DATA_DIR made by hand before the first start', async () => {
    const dataDir = path.join(cwd, 'data');
    await mkdir(dataDir, { mode: 0o777 });
    await chmod(dataDir, 0o777);
    await writeFile(path.join(dataDir, 'jwt-secret'), `${'s'.repeat(48)}\n`, { mode: 0o666 });
    await chmod(path.join(dataDir, 'jwt-secret'), 0o666);
    const server = await spawnServer({ cwd, env: { PORT: '0', DATA_DIR: dataDir } });
    try {
      expect(await mode(dataDir)).toBe(0o700);
      expect(await mode(path.join(dataDir, 'jwt-secret'))).toBe(0o600);
    } finally {
      await stop(server);
    }
  });
});
