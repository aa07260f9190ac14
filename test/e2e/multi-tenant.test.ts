import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DEFAULT_PLANS } from '../../src/domain/plans';
import { codes, gql } from '../helpers/graphql';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { createTestRedis } from '../helpers/redis';
import { testEnv, withDatabaseName } from '../helpers/test-env';

// Two gateway processes on one PostgreSQL and one Redis, as two replicas behind a load
// balancer. Needs both servers: CI's first pass runs it; the embedded pass has neither.
const describeReplicas = testEnv.databaseUrl && testEnv.redisUrl ? describe : describe.skip;

describeReplicas('two replicas sharing PostgreSQL and Redis', () => {
  const redis = createTestRedis();
  const dbName = `yf_e2e_${randomBytes(5).toString('hex')}`;
  const databaseUrl = testEnv.databaseUrl ? withDatabaseName(testEnv.databaseUrl, dbName) : '';
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: testEnv.databaseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  let replicas: ServerProcess[] = [];
  const dirs: string[] = [];
  // Two accounts: limits count per account, so the one the first test spends to its last
  // request cannot serve the tests after it.
  let token: string;
  let otherToken: string;
  let meteredKeyId: string;
  const secrets: string[] = [];

  beforeAll(async () => {
    await admin(`CREATE DATABASE "${dbName}"`);
    const start = async () => {
      const cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-tenant-'));
      dirs.push(cwd);
      return spawnServer({
        cwd,
        env: {
          PORT: '0',
          PATH: process.env.PATH ?? '',
          DATABASE_URL: databaseUrl,
          REDIS_URL: testEnv.redisUrl!,
          REDIS_KEY_PREFIX: redis.prefix,
          JWT_SECRET: 'e2e-shared-secret-of-at-least-32-characters',
        },
      });
    };
    // The first migrates; the second finds it done.
    replicas = [await start()];
    replicas.push(await start());
    const password = 'correct horse battery staple';
    secrets.push(password);
    const registered = await gql<{ register: { accessToken: string; refreshToken: string } }>(
      replicas[0].url,
      `mutation { register(email: "tenant@example.com", password: "${password}") { accessToken refreshToken } }`,
    );
    token = registered.body.data!.register.accessToken;
    secrets.push(token, registered.body.data!.register.refreshToken);
    const other = await gql<{ register: { accessToken: string; refreshToken: string } }>(
      replicas[1].url,
      `mutation { register(email: "other@example.com", password: "${password}") { accessToken refreshToken } }`,
    );
    otherToken = other.body.data!.register.accessToken;
    secrets.push(otherToken, other.body.data!.register.refreshToken);
  }, 90_000);

  afterAll(async () => {
    for (const replica of replicas) replica.child.kill('SIGTERM');
    await Promise.all(replicas.map((replica) => replica.exited));
    await redis.clear();
    await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const createKey = async (replica: ServerProcess, bearer: string) => {
    const response = await gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      replica.url,
      'mutation { createApiKey(name: "e2e") { secret apiKey { id } } }',
      { headers: { authorization: `Bearer ${bearer}` } },
    );
    const issued = response.body.data!.createApiKey;
    secrets.push(issued.secret);
    return issued;
  };

  // FREE: 60 a minute plus a burst of 30. The account spent one of its minute on minting
  // the key, so 150 concurrent requests get exactly 60 - 1 + 30 successes between them.
  const { requestsPerMinute: perMinute, burst } = DEFAULT_PLANS.FREE;
  const allowed = perMinute - 1 + burst;

  it('give exactly the plan minute and burst to 150 concurrent requests on one FREE account spread over both', async () => {
    const { secret, apiKey } = await createKey(replicas[0], token);
    const answers = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        gql(replicas[i % 2].url, 'query Me { me { id } }', { apiKey: secret }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(allowed);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(150 - allowed);
    expect(
      limited.every(
        (a) => codes(a)[0] === 'RATE_LIMITED' && Number(a.headers.get('retry-after')) > 0,
      ),
    ).toBe(true);
    // Both replicas answered their 75 against the one shared minute (which replica's
    // requests reach Redis first, and so get the minute, is a matter of timing).
    for (const replica of [0, 1]) {
      const mine = answers.filter((_, i) => i % 2 === replica);
      expect(mine.every((a) => a.headers.get('x-ratelimit-limit') === String(perMinute))).toBe(
        true,
      );
    }
    const remaining = answers
      .filter((a) => a.status === 200)
      .map((a) => Number(a.headers.get('x-ratelimit-remaining')))
      .sort((a, b) => a - b);
    // Each success within the minute saw a different count (58 left, … 0 left, across
    // both); the burst's successes came once the minute had nothing left.
    expect(remaining).toEqual([
      ...Array.from({ length: burst }, () => 0),
      ...Array.from({ length: perMinute - 1 }, (_, i) => i),
    ]);
    meteredKeyId = apiKey.id;
  });

  it('stop a key revoked on one replica on the other within a second', async () => {
    const { secret, apiKey } = await createKey(replicas[0], otherToken);
    // Warm B's key cache, so that only the broadcast can clear it.
    expect((await gql(replicas[1].url, '{ me { id } }', { apiKey: secret })).status).toBe(200);
    const revoked = await gql(
      replicas[0].url,
      `mutation { revokeApiKey(id: "${apiKey.id}") { revokedAt } }`,
      {
        headers: { authorization: `Bearer ${otherToken}` },
      },
    );
    expect(revoked.body.errors).toBeUndefined();
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 1_000) {
      status = (await gql(replicas[1].url, '{ me { id } }', { apiKey: secret })).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('keep no issued secret in the database, and lose no usage on graceful shutdown', async () => {
    const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', databaseUrl], {
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout).toContain('tenant@example.com');
    for (const secret of secrets) expect(stdout).not.toContain(secret);

    for (const replica of replicas) replica.child.kill('SIGTERM');
    expect(await Promise.all(replicas.map((r) => r.exited))).toEqual([0, 0]);
    replicas = [];
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(
        'SELECT status, sum(requests)::int AS n FROM usage_records WHERE api_key_id = $1 GROUP BY status',
        [meteredKeyId],
      );
      expect(Object.fromEntries(rows.map((r) => [r.status, r.n]))).toEqual({
        OK: allowed,
        RATE_LIMITED: 150 - allowed,
      });
    } finally {
      await client.end();
    }
  });
});
