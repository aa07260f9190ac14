import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { gql } from '../helpers/graphql';
import { runNode, SERVER_ENTRY, spawnServer, START_ARGS } from '../helpers/process';
import { testEnv, withDatabaseName } from '../helpers/test-env';
import { describeAnyMode } from '../helpers/any-mode';
import { eventually, waitFor } from '../helpers/wait';

interface Mode {
  name: string;
  /** Extra environment for the server, beyond PORT=0. */
  env(): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

const embedded: Mode = {
  name: 'embedded PGlite, in-process cache (empty environment)',
  env: async () => ({}),
  cleanup: async () => undefined,
};

// A brand-new, empty database: the server must migrate it itself.
function realServers(databaseUrl: string, redisUrl: string): Mode {
  const name = `yf_e2e_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'real PostgreSQL and Redis',
    env: async () => {
      await admin(`CREATE DATABASE "${name}"`);
      return {
        DATABASE_URL: withDatabaseName(databaseUrl, name),
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: `yfe2e:${name}:`,
      };
    },
    cleanup: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

// The embedded mode is the same in both of CI's passes: it runs in the embedded one.
const modes: Mode[] = process.env.YF_TEST_SERVERS_PASS ? [] : [embedded];
if (testEnv.databaseUrl && testEnv.redisUrl)
  modes.push(realServers(testEnv.databaseUrl, testEnv.redisUrl));

describe.each(modes)('npm start on $name', (mode) => {
  let cwd: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-e2e-'));
    env = { PORT: '0', ...(await mode.env()) };
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
    await mode.cleanup();
  });

  it('migrates, seeds the demo account, prints the URL and key, and answers with that key; a restart seeds nothing twice', async () => {
    const first = await spawnServer({ env, cwd });
    let firstUserId: string;
    try {
      expect(first.url).toMatch(/^http:\/\/localhost:\d+\/graphql$/);
      expect(first.demoKey).toMatch(/^yf_test_[0-9A-Za-z]{40}$/);
      const response = await gql<{ me: { id: string; email: string; plan: string } }>(
        first.url,
        '{ me { id email plan } }',
        {
          apiKey: first.demoKey,
        },
      );
      expect(response.status).toBe(200);
      expect(response.body.data?.me).toMatchObject({ email: 'demo@yieldflow.local', plan: 'PRO' });
      firstUserId = response.body.data!.me.id;
      const keyFile = path.join(cwd, '.yieldflow', 'demo-key.txt');
      expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    } finally {
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    }

    const second = await spawnServer({ env, cwd });
    try {
      expect(second.demoKey).toBe(first.demoKey);
      const response = await gql<{ me: { id: string } }>(second.url, '{ me { id } }', {
        apiKey: second.demoKey,
      });
      expect(response.body.data?.me.id).toBe(firstUserId);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  });

  it('on SIGTERM finishes the in-flight request, refuses new connections, and exits 0', async () => {
    const server = await spawnServer({ env: { ...env, SHUTDOWN_GRACE_MS: '10000' }, cwd });
    const { port } = new URL(server.url);
    const body = JSON.stringify({ query: '{ me { email } }' });
    // A request whose body is still arriving when the signal lands: in flight by any measure.
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    const answered = new Promise<void>((resolve) => socket.on('end', () => resolve()));
    // With `Expect: 100-continue`, node answers "100 Continue" as it hands the parsed
    // request to the server's handler: from then on the request is in flight.
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nx-api-key: ${server.demoKey}\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`,
    );
    await waitFor(() => answer.startsWith('HTTP/1.1 100 Continue'), 10_000, 'the request taken');
    server.child.kill('SIGTERM');
    // Logged as the listener closes, counting the request still in flight.
    const shutdown = await eventually(
      () =>
        server.stdout
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { msg?: string; inFlight?: number })
          .find((line) => line.msg === 'shutting down'),
      (line) => line !== undefined,
      10_000,
      'the shutdown to start',
    );
    expect(shutdown).toMatchObject({ inFlight: 1 });

    // The listener is closed: a new connection is refused.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    socket.write(body.slice(5));
    await answered;
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(answer).toContain('"email":"demo@yieldflow.local"');
    expect(await server.exited).toBe(0);
  });
});

describeAnyMode('start-up with bad configuration', () => {
  it('reports each bad variable on one line and exits 1', async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-e2e-'));
    try {
      const result = await runNode([SERVER_ENTRY], {
        cwd,
        env: { NODE_ENV: 'production', PORT: 'eighty', REDIS_URL: 'localhost' },
      });
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toEqual([
        expect.stringMatching(/^config error: PORT: /),
        expect.stringMatching(/^config error: REDIS_URL: must be a URL/),
      ]);
      const missingSecret = await runNode([SERVER_ENTRY], {
        cwd,
        env: { NODE_ENV: 'production', PORT: '0' },
      });
      expect(missingSecret.code).toBe(1);
      expect(missingSecret.stderr.trim()).toBe(
        'config error: JWT_SECRET: required in production, which an unset NODE_ENV means (at least 32 characters)',
      );
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('refuses a second process on the same DATA_DIR with a clear message', async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-e2e-'));
    const first = await spawnServer({ env: { PORT: '0' }, cwd });
    try {
      const second = await runNode([SERVER_ENTRY, ...START_ARGS], { cwd, env: { PORT: '0' } });
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/DATA_DIR is in use by process \d+/);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
