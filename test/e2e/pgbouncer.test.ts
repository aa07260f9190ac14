import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/paths';
import { queryOn } from '../helpers/database';
import { gql } from '../helpers/graphql';
import { freePort } from '../helpers/nginx';
import { runNode, spawnServer, type ServerProcess } from '../helpers/process';
import { testEnv, withDatabaseName } from '../helpers/test-env';
import { waitFor } from '../helpers/wait';

// docs/deploy.md says the gateway works behind PgBouncer in transaction mode: this runs
// the shipped deploy/pgbouncer/pgbouncer.ini (Debian's pgbouncer) in front of the
// suite's PostgreSQL, with two server connections for a gateway pool of ten, and makes
// the gateway do what it does (sign-up, keys, concurrent ledger writes in transactions,
// reads, usage) through it. Needs PostgreSQL; the embedded pass skips it.
const describeWithPostgres = testEnv.databaseUrl ? describe : describe.skip;

const SHIPPED = path.join(PROJECT_ROOT, 'deploy', 'pgbouncer', 'pgbouncer.ini');
const SERVER_CONNECTIONS = 2;

function replaceExactly(text: string, search: string, replacement: string): string {
  if (text.split(search).length !== 2) throw new Error(`${SHIPPED}: expected "${search}" once`);
  return text.replace(search, replacement);
}

function pgbouncerBinary(): string {
  for (const candidate of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) {
    if (spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  throw new Error("pgbouncer is not installed: apt-get install -y pgbouncer (Debian's package)");
}

describeWithPostgres(
  'behind PgBouncer in transaction mode (deploy/pgbouncer/pgbouncer.ini)',
  () => {
    const database = `yf_pgb_${randomBytes(4).toString('hex')}`;
    // Computed in beforeAll: a skipped describe's body still runs.
    let direct: string;
    let dir: string;
    let bouncer: ChildProcess | undefined;
    let pooledUrl: string;
    let server: ServerProcess | undefined;
    const admin = (sql: string) => queryOn(testEnv.databaseUrl!, sql);

    beforeAll(async () => {
      const binary = pgbouncerBinary();
      dir = await mkdtemp(path.join(os.tmpdir(), 'yf-pgbouncer-'));
      direct = withDatabaseName(testEnv.databaseUrl!, database);
      await admin(`CREATE DATABASE "${database}"`);
      // Migrations go to PostgreSQL directly, as docs/deploy.md says.
      const migrated = await runNode(
        [path.join(PROJECT_ROOT, 'dist', 'scripts', 'migrate.js'), 'deploy'],
        { cwd: dir, env: { PATH: process.env.PATH ?? '', DATABASE_URL: direct } },
      );
      expect(migrated.code).toBe(0);

      const target = new URL(testEnv.databaseUrl!);
      const user = decodeURIComponent(target.username || 'postgres');
      const port = await freePort();
      let ini = await readFile(SHIPPED, 'utf8');
      ini = replaceExactly(
        ini,
        'yieldflow = host=postgres port=5432 dbname=yieldflow',
        `${database} = host=${target.hostname} port=${target.port || 5432} dbname=${database}`,
      );
      ini = replaceExactly(ini, 'listen_addr = 0.0.0.0', 'listen_addr = 127.0.0.1');
      ini = replaceExactly(ini, 'listen_port = 6432', `listen_port = ${port}`);
      // The suite's PostgreSQL trusts local connections; production uses scram-sha-256.
      ini = replaceExactly(ini, 'auth_type = scram-sha-256', 'auth_type = trust');
      ini = replaceExactly(ini, '/etc/pgbouncer/userlist.txt', path.join(dir, 'userlist.txt'));
      ini = replaceExactly(
        ini,
        'default_pool_size = 20',
        `default_pool_size = ${SERVER_CONNECTIONS}`,
      );
      ini = replaceExactly(
        ini,
        '/var/log/pgbouncer/pgbouncer.log',
        path.join(dir, 'pgbouncer.log'),
      );
      ini = replaceExactly(
        ini,
        '/var/run/pgbouncer/pgbouncer.pid',
        path.join(dir, 'pgbouncer.pid'),
      );
      await writeFile(path.join(dir, 'pgbouncer.ini'), ini);
      await writeFile(path.join(dir, 'userlist.txt'), `"${user}" ""\n`);
      // PgBouncer refuses to run as root: CI runs as root, so it runs as nobody there.
      await chmod(dir, 0o777);
      const asRoot = process.getuid?.() === 0;
      bouncer = spawn(binary, [path.join(dir, 'pgbouncer.ini')], {
        stdio: 'ignore',
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      });
      await waitFor(
        () =>
          new Promise<boolean>((resolve) => {
            const socket = connect(port, '127.0.0.1');
            socket.once('connect', () => resolve(socket.end() && true));
            socket.once('error', () => resolve(false));
          }),
        10_000,
        'pgbouncer to listen',
      );
      const pooled = new URL(direct);
      pooled.port = String(port);
      pooledUrl = pooled.toString();
      server = await spawnServer({
        cwd: dir,
        args: [],
        env: {
          PATH: process.env.PATH ?? '',
          HOST: '127.0.0.1',
          PORT: '0',
          DATABASE_URL: pooledUrl,
          DATABASE_POOL_SIZE: '10',
          JWT_SECRET: 'pgbouncer-test-secret-of-at-least-32-chars',
          LOG_LEVEL: 'warn',
        },
      });
    }, 60_000);

    afterAll(async () => {
      if (server && server.child.exitCode === null) server.child.kill('SIGTERM');
      if (server) await server.exited;
      bouncer?.kill('SIGTERM');
      await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('serves sign-up, keys, concurrent ledger writes and reads over two server connections', async () => {
      const registered = await gql<{ register: { accessToken: string } }>(
        server!.url,
        'mutation { register(email: "pooled@example.com", password: "correct horse battery staple") { accessToken } }',
      );
      expect(registered.body.errors).toBeUndefined();
      const minted = await gql<{ createApiKey: { secret: string } }>(
        server!.url,
        'mutation { createApiKey(name: "pooled") { secret } }',
        { headers: { authorization: `Bearer ${registered.body.data!.register.accessToken}` } },
      );
      const apiKey = minted.body.data!.createApiKey.secret;
      const created = await gql<{ createPortfolio: { id: string } }>(
        server!.url,
        'mutation { createPortfolio(name: "Pooled") { id } }',
        { apiKey },
      );
      const id = created.body.data!.createPortfolio.id;

      // Concurrent writes: each a transaction, interleaved on the two server connections.
      const writes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          gql(
            server!.url,
            'mutation($id: ID!, $input: TransactionInput!) { addTransaction(portfolioId: $id, input: $input) { id } }',
            {
              apiKey,
              variables: {
                id,
                input: {
                  date: `2024-01-${String(i + 2).padStart(2, '0')}`,
                  type: 'DEPOSIT',
                  amount: '100',
                },
              },
            },
          ),
        ),
      );
      expect(writes.map((w) => w.body.errors)).toEqual(writes.map(() => undefined));
      const reads = await Promise.all(
        Array.from({ length: 30 }, () =>
          gql<{ portfolio: { transactions: { totalCount: number } }; me: { email: string } }>(
            server!.url,
            'query($id: ID!) { portfolio(id: $id) { transactions { totalCount } } me { email } }',
            { apiKey, variables: { id } },
          ),
        ),
      );
      for (const read of reads) {
        expect(read.body.errors).toBeUndefined();
        expect(read.body.data).toEqual({
          portfolio: { transactions: { totalCount: 12 } },
          me: { email: 'pooled@example.com' },
        });
      }
      // PostgreSQL saw the pooler's connections only: at most its pool, not the gateway's ten.
      const [{ n }] = await admin(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = '${database}'`,
      );
      expect(Number(n)).toBeLessThanOrEqual(SERVER_CONNECTIONS);

      // A clean stop writes the buffered usage through the pooler too.
      server!.child.kill('SIGTERM');
      expect(await server!.exited).toBe(0);
      const [{ requests }] = await queryOn(
        direct,
        'SELECT coalesce(sum(requests), 0)::int AS requests FROM usage_records',
      );
      // The key's requests: the portfolio, twelve writes, thirty reads.
      expect(requests).toBeGreaterThanOrEqual(1 + 12 + 30);
    }, 60_000);
  },
);
