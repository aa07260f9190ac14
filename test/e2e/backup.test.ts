import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PRISMA_DIR, PROJECT_ROOT } from '../../src/config/paths';
import { queryOn } from '../helpers/database';
import { gql } from '../helpers/graphql';
import { runNode, spawnServer, type ServerProcess } from '../helpers/process';
import { testEnv, withDatabaseName } from '../helpers/test-env';

// The backup an operator takes (pg_dump -Fc) restores into a database a gateway serves:
// the data written through the gateway and the migration history come back. Needs
// PostgreSQL: the embedded pass has no server to dump. The client tools are Debian's
// postgresql-client (its pg_dump no older than the server).
const describeWithPostgres = testEnv.databaseUrl ? describe : describe.skip;

const run = promisify(execFile);
const JWT_SECRET = 'backup-test-secret-of-at-least-32-characters';
const PORTFOLIO = `query($id: ID!) { portfolio(id: $id) { name baseCurrency
  transactions { totalCount nodes { date type symbol quantity price amount } } } }`;

/** Row counts of every table of the public schema (the application's and Prisma's). */
async function tableCounts(url: string): Promise<Record<string, number>> {
  const tables = await queryOn<{ name: string }>(
    url,
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await queryOn<{ n: string }>(url, `SELECT count(*) AS n FROM "${name}"`);
    counts[name] = Number(row.n);
  }
  return counts;
}

const migrations = (url: string) =>
  queryOn(
    url,
    `SELECT id, migration_name, checksum, finished_at, rolled_back_at, applied_steps_count
     FROM _prisma_migrations ORDER BY migration_name`,
  );

describeWithPostgres('backup and restore (pg_dump -Fc, pg_restore)', () => {
  const suffix = randomBytes(5).toString('hex');
  const names = { source: `yf_bk_src_${suffix}`, restored: `yf_bk_dst_${suffix}` };
  const url = (name: string) => withDatabaseName(testEnv.databaseUrl!, name);
  const admin = (sql: string) => queryOn(testEnv.databaseUrl!, sql);
  let dir: string;
  const servers: ServerProcess[] = [];

  /** A production gateway on `database` (as compose runs it), stopped in afterAll. */
  const serve = async (database: string) => {
    const server = await spawnServer({
      cwd: dir,
      args: [],
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: url(database),
        JWT_SECRET,
        LOG_LEVEL: 'warn',
      },
    });
    servers.push(server);
    return server;
  };
  const stop = async (server: ServerProcess) => {
    server.child.kill('SIGTERM');
    return server.exited;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'yf-backup-'));
  });

  afterAll(async () => {
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGTERM');
    await Promise.all(servers.map((server) => server.exited));
    for (const name of Object.values(names)) {
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('brings back the data and the migration history, and a gateway serves the restored database', async () => {
    // pg_dump refuses a newer server; say so plainly rather than with its message.
    const [{ server_version_num: serverVersion }] = await queryOn<{ server_version_num: string }>(
      testEnv.databaseUrl!,
      'SHOW server_version_num',
    );
    const { stdout: dumpVersion } = await run('pg_dump', ['--version']);
    const toolMajor = Number(/(\d+)(?:\.\d+)+/.exec(dumpVersion)?.[1]);
    const serverMajor = Math.floor(Number(serverVersion) / 10_000);
    if (!(toolMajor >= serverMajor)) {
      throw new Error(
        `pg_dump ${toolMajor} is older than the server (${serverMajor}): install postgresql-client-${serverMajor}`,
      );
    }

    // A database as a deploy makes it: created empty, migrated by `npm run migrate`.
    await admin(`CREATE DATABASE "${names.source}"`);
    const migrated = await runNode(
      [path.join(PROJECT_ROOT, 'dist', 'scripts', 'migrate.js'), 'deploy'],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: url(names.source) },
      },
    );
    expect(migrated.code).toBe(0);

    // Data written through the gateway: an account, a key, a portfolio and its ledger.
    const source = await serve(names.source);
    const registered = await gql<{ register: { accessToken: string } }>(
      source.url,
      'mutation { register(email: "saver@example.com", password: "correct horse battery staple") { accessToken } }',
    );
    const bearer = { authorization: `Bearer ${registered.body.data!.register.accessToken}` };
    const minted = await gql<{ createApiKey: { secret: string } }>(
      source.url,
      'mutation { createApiKey(name: "backup") { secret } }',
      { headers: bearer },
    );
    const apiKey = minted.body.data!.createApiKey.secret;
    const created = await gql<{ createPortfolio: { id: string } }>(
      source.url,
      'mutation { createPortfolio(name: "Kept") { id } }',
      { apiKey },
    );
    const portfolioId = created.body.data!.createPortfolio.id;
    for (const input of [
      { date: '2024-01-02', type: 'DEPOSIT', amount: '10000' },
      { date: '2024-01-03', type: 'BUY', symbol: 'MSFT', quantity: '10', price: '370.6' },
      { date: '2024-02-15', type: 'DIVIDEND', symbol: 'MSFT', amount: '7.5' },
    ]) {
      const added = await gql(
        source.url,
        'mutation($id: ID!, $input: TransactionInput!) { addTransaction(portfolioId: $id, input: $input) { id } }',
        { apiKey, variables: { id: portfolioId, input } },
      );
      expect(added.body.errors).toBeUndefined();
    }
    const before = await gql(source.url, PORTFOLIO, { apiKey, variables: { id: portfolioId } });
    expect(before.body.data).toMatchObject({
      portfolio: { name: 'Kept', transactions: { totalCount: 3 } },
    });
    // A clean stop writes the buffered usage, so that it is in the dump too.
    expect(await stop(source)).toBe(0);

    const dump = path.join(dir, 'yieldflow.dump');
    await run('pg_dump', ['-Fc', '--no-owner', '-f', dump, `--dbname=${url(names.source)}`]);
    await admin(`CREATE DATABASE "${names.restored}"`);
    await run('pg_restore', [
      '--no-owner',
      '--exit-on-error',
      `--dbname=${url(names.restored)}`,
      dump,
    ]);

    const counts = await tableCounts(url(names.source));
    expect(counts).toMatchObject({ users: 1, api_keys: 1, portfolios: 1, transactions: 3 });
    expect(counts._prisma_migrations).toBeGreaterThan(0);
    // The metered requests of the writes above (the stop flushed them).
    expect(counts.usage_records).toBeGreaterThan(0);
    expect(await tableCounts(url(names.restored))).toEqual(counts);
    const history = await migrations(url(names.source));
    // Every committed migration, applied once and finished.
    const committed = (await readdir(path.join(PRISMA_DIR, 'migrations'), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(history.map((m) => m.migration_name)).toEqual(committed);
    expect(history.every((m) => m.finished_at !== null && m.rolled_back_at === null)).toBe(true);
    expect(await migrations(url(names.restored))).toEqual(history);

    // A gateway on the restored database: nothing to migrate, and the same answers.
    const restored = await serve(names.restored);
    expect(await migrations(url(names.restored))).toEqual(history);
    const after = await gql(restored.url, PORTFOLIO, { apiKey, variables: { id: portfolioId } });
    expect(after.status).toBe(200);
    expect(after.body.data).toEqual(before.body.data);
    const me = await gql(restored.url, '{ me { email plan } }', { apiKey });
    expect(me.body.data).toEqual({ me: { email: 'saver@example.com', plan: 'FREE' } });
    expect(await stop(restored)).toBe(0);
  }, 60_000);
});
