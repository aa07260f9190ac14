import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import pino from 'pino';
import { loadConfig } from '../../src/config/load-config';
import {
  ROLL_UP_LOCK_KEY,
  UsageRepository,
  type UsageEntry,
} from '../../src/datasources/database/usage.repository';
import { RetentionJob } from '../../src/services/retention.service';
import { usageHistory } from '../fixtures/usage-history';
import { sharedTestDatabase, type TestDatabase } from '../helpers/database';
import { gql } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';
import { testEnv } from '../helpers/test-env';

const DAY = 86_400_000;
const USAGE = `query Usage($from: Date, $to: Date) { usage(from: $from, to: $to) {
  from to requests cost errors
  byDay { date requests cost }
  byOperation { operationName requests cost }
  byApiKey { apiKeyId name prefix requests cost } } }`;

interface Usage {
  requests: number;
  cost: number;
  errors: number;
  byDay: Array<{ date: string; requests: number; cost: number }>;
  byOperation: Array<{ operationName: string; requests: number; cost: number }>;
  byApiKey: Array<{ apiKeyId: string | null; name: string | null; requests: number }>;
}

const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10);

describe('retention', () => {
  let server: TestServer;
  const closing: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    // Runs only when a test asks, so that each test sees its own rows before and after.
    server = await startTestServer({ RETENTION_ENABLED: 'false' });
  });
  afterAll(async () => {
    for (const close of closing) await close();
    await server.close();
  });

  const prisma = () => server.db.database.prisma;
  const retention = () => server.app.services.retention;

  /** A new account with a key, signed in. */
  async function account() {
    const registered = await gql<{ register: { accessToken: string; user: { id: string } } }>(
      server.url,
      `mutation { register(email: "retention.${randomBytes(6).toString('hex')}@example.com", password: "correct horse battery") { accessToken user { id } } }`,
    );
    const { accessToken, user } = registered.body.data!.register;
    const auth = { headers: { authorization: `Bearer ${accessToken}` } };
    const key = await gql<{ createApiKey: { apiKey: { id: string } } }>(
      server.url,
      'mutation { createApiKey(name: "retained") { apiKey { id } } }',
      auth,
    );
    return { auth, userId: user.id, keyId: key.body.data!.createApiKey.apiKey.id };
  }

  /** `usage` through the gateway, in an order that does not depend on ties. */
  async function usage(auth: { headers: Record<string, string> }, from: string, to: string) {
    const response = await gql<{ usage: Usage }>(server.url, USAGE, {
      ...auth,
      variables: { from, to },
    });
    expect(response.body.errors).toBeUndefined();
    const answer = response.body.data!.usage;
    const by = <T>(rows: T[], key: (row: T) => string) =>
      [...rows].sort((a, b) => key(a).localeCompare(key(b)));
    return {
      ...answer,
      byOperation: by(answer.byOperation, (o) => o.operationName),
      byApiKey: by(answer.byApiKey, (k) => k.apiKeyId ?? ''),
    };
  }

  /**
   * Every column's sum per user, key, operation, status and UTC day before today (whose
   * rows, never rolled up, include the metering of the tests' own queries): what must
   * not move.
   */
  async function sums(userId?: string) {
    const today = new Date(Math.floor(Date.now() / DAY) * DAY);
    return prisma().$queryRaw<unknown[]>`
      SELECT user_id, api_key_id, operation_name, status,
             to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
             sum(requests) AS requests, sum(cost) AS cost,
             sum(duration_ms) AS duration_ms, sum(cache_hits) AS cache_hits
      FROM usage_records
      WHERE created_at < ${today} AND (${userId ?? null}::uuid IS NULL OR user_id = ${userId ?? null}::uuid)
      GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`;
  }

  it('deletes login attempts past RETENTION_LOGIN_ATTEMPT_DAYS (90) and keeps the rest', async () => {
    const email = `attempts.${randomUUID()}@example.com`;
    const at = (days: number) => new Date(Date.now() - days * DAY);
    await prisma().loginAttempt.createMany({
      data: [91, 90.01, 89.99, 1].map((days) => ({
        email,
        ip: '198.51.100.7',
        success: false,
        createdAt: at(days),
      })),
    });
    const report = await retention().run();
    expect(report.failed).toEqual([]);
    expect(report.outcomes.find((o) => o.table === 'login_attempts')!.rows).toBe(2);
    const kept = await prisma().loginAttempt.findMany({
      where: { email },
      orderBy: { createdAt: 'asc' },
    });
    expect(kept.map((a) => Math.round((Date.now() - a.createdAt.getTime()) / DAY))).toEqual([
      90, 1,
    ]);
  });

  it('deletes refresh tokens a grace (7 days) after expiry or revocation, keeping used ones until they expire', async () => {
    const { userId } = await account();
    const at = (days: number) => new Date(Date.now() + days * DAY);
    const token = (name: string, data: { expiresAt: Date; usedAt?: Date; revokedAt?: Date }) =>
      prisma().refreshToken.create({
        data: { userId, familyId: randomUUID(), hash: `${name}-${randomUUID()}`, ...data },
      });
    const tokens = {
      expiredLongAgo: await token('expired-8', { expiresAt: at(-8) }),
      expiredRecently: await token('expired-6', { expiresAt: at(-6) }),
      revokedLongAgo: await token('revoked-8', { expiresAt: at(20), revokedAt: at(-8) }),
      revokedRecently: await token('revoked-6', { expiresAt: at(20), revokedAt: at(-6) }),
      // Presenting it again must still revoke its family: kept until it expires.
      usedLongAgo: await token('used-9', { expiresAt: at(21), usedAt: at(-9) }),
      usedAndExpired: await token('used-expired', { expiresAt: at(-8), usedAt: at(-30) }),
      live: await token('live', { expiresAt: at(30) }),
    };
    await retention().run();
    const left = new Set(
      (await prisma().refreshToken.findMany({ where: { userId } })).map((t) => t.id),
    );
    const kept = Object.entries(tokens)
      .filter(([, t]) => left.has(t.id))
      .map(([name]) => name);
    expect(kept).toEqual(['expiredRecently', 'revokedRecently', 'usedLongAgo', 'live']);
  });

  it('deletes keys expired 90 days ago; their usage stays, by key, with no name', async () => {
    const { auth, userId, keyId } = await account();
    const old = await prisma().apiKey.update({
      where: { id: keyId },
      data: { expiresAt: new Date(Date.now() - 91 * DAY) },
    });
    const key = (name: string, ends: { expiresAt?: Date; revokedAt?: Date }) =>
      prisma().apiKey.create({
        data: {
          userId,
          name,
          prefix: 'yf_live_x',
          lastFour: 'abcd',
          scopes: [],
          hash: randomUUID(),
          ...ends,
        },
      });
    const recent = await key('expired lately', { expiresAt: new Date(Date.now() - 89 * DAY) });
    const revoked = await key('revoked long ago', { revokedAt: new Date(Date.now() - 400 * DAY) });
    await new UsageRepository(prisma()).insertMany(
      usageHistory({ userId, apiKeyIds: [old.id, recent.id, revoked.id], days: 2, perDay: 20 }),
    );
    const before = await usage(auth, day(2), day(1));
    expect(before.byApiKey.find((k) => k.apiKeyId === old.id)!.name).toBe('retained');

    const report = await retention().run();
    expect(report.outcomes.find((o) => o.table === 'api_keys')!.rows).toBe(1);
    expect(await prisma().apiKey.findUnique({ where: { id: old.id } })).toBeNull();
    expect(await prisma().apiKey.findUnique({ where: { id: recent.id } })).not.toBeNull();
    expect(await prisma().apiKey.findUnique({ where: { id: revoked.id } })).not.toBeNull();

    const after = await usage(auth, day(2), day(1));
    expect(after).toEqual({
      ...before,
      byApiKey: before.byApiKey.map((k) =>
        k.apiKeyId === old.id ? { ...k, name: null, prefix: null } : k,
      ),
    });
  });

  it('rolls usage into hours past 3 days and days past 35; `usage` answers the same before and after, and a second run changes nothing', async () => {
    const { auth, userId, keyId } = await account();
    const other = await account();
    const rows = [
      ...usageHistory({ userId, apiKeyIds: [keyId, null], days: 60, perDay: 60 }),
      ...usageHistory({ userId: other.userId, apiKeyIds: [other.keyId], days: 5, perDay: 10 }),
    ];
    await new UsageRepository(prisma()).insertMany(rows);
    // Ranges end yesterday: the usage queries themselves are metered today.
    const ranges: Array<[string, string]> = [
      [day(60), day(1)],
      [day(30), day(1)], // the default range's days, bar today
      [day(40), day(30)], // across the daily horizon (35 days)
      [day(5), day(2)], // across the hourly horizon (3 days)
      [day(35), day(35)],
      [day(3), day(3)],
    ];
    const answers = async () => Promise.all(ranges.map(([from, to]) => usage(auth, from, to)));
    const before = await answers();
    const sumsBefore = await sums();
    expect(before[0].requests).toBeGreaterThan(10_000);
    const count = () => prisma().usageRecord.count({ where: { userId } });
    const rowsBefore = await count();

    const first = await retention().run();
    expect(first.failed).toEqual([]);
    const rolled = first.outcomes.filter((o) => o.table === 'usage_records');
    expect(rolled.map((o) => o.grain)).toEqual(['day', 'hour']);
    expect(rolled.every((o) => o.rows > o.written! && o.written! > 0)).toBe(true);
    expect(await answers()).toEqual(before);
    expect(await sums()).toEqual(sumsBefore);
    const rowsAfter = await count();
    expect(rowsAfter).toBeLessThan(rowsBefore / 1.5);

    // Rows past 35 days are one per group and UTC day, at its start; past 3 days one per
    // group and UTC hour; the last 3 days are as written.
    const aligned = await prisma().$queryRaw<
      Array<{ grain: string; rows: bigint; groups: bigint; off: bigint }>
    >`
      SELECT grain, count(*) AS rows, count(DISTINCT (api_key_id, operation_name, status, b)) AS groups,
             count(*) FILTER (WHERE created_at <> b) AS off
      FROM (SELECT *, CASE WHEN created_at < ${new Date(Date.now() - 36 * DAY)} THEN 'day'
                           WHEN created_at < ${new Date(Date.now() - 34 * DAY)} THEN 'edge'
                           WHEN created_at < ${new Date(Date.now() - 4 * DAY)} THEN 'hour'
                           WHEN created_at < ${new Date(Date.now() - 2 * DAY)} THEN 'edge'
                           ELSE 'recent' END AS grain,
                   CASE WHEN created_at < ${new Date(Date.now() - 35 * DAY)}
                        THEN date_trunc('day', created_at, 'UTC')
                        ELSE date_trunc('hour', created_at, 'UTC') END AS b
            FROM usage_records WHERE user_id = ${userId}::uuid) r
      WHERE grain IN ('day', 'hour') GROUP BY grain ORDER BY grain`;
    expect(aligned.map((a) => [a.grain, a.rows === a.groups, Number(a.off)])).toEqual([
      ['day', true, 0],
      ['hour', true, 0],
    ]);

    const ids = async () =>
      (await prisma().usageRecord.findMany({ orderBy: { id: 'asc' }, select: { id: true } })).map(
        (r) => r.id,
      );
    const idsBefore = await ids();
    const second = await retention().run();
    expect(second.outcomes.filter((o) => o.table === 'usage_records')).toEqual([
      { table: 'usage_records', action: 'rolled_up', grain: 'day', rows: 0, written: 0 },
      { table: 'usage_records', action: 'rolled_up', grain: 'hour', rows: 0, written: 0 },
    ]);
    expect(await ids()).toEqual(idsBefore);
    expect(await answers()).toEqual(before);
  });

  it('leaves a bucket whose sums would pass an integer column as it is', async () => {
    const { userId } = await account();
    const hour = Math.floor((Date.now() - 10 * DAY) / 3_600_000) * 3_600_000;
    const big = (second: number): UsageEntry => ({
      userId,
      apiKeyId: null,
      operationName: 'Bulk',
      requests: 1,
      cost: 1_500_000_000,
      status: 'OK',
      durationMs: 5,
      cacheHits: 0,
      createdAt: new Date(hour + second * 1000),
    });
    await new UsageRepository(prisma()).insertMany([big(1), big(2)]);
    const rows = () => prisma().usageRecord.findMany({ where: { userId, operationName: 'Bulk' } });
    const before = await rows();
    await retention().run();
    expect(await rows()).toEqual(before);
  });

  /** A second connection to the database on Postgres (another replica's); the same one on PGlite. */
  function replicaDatabase(): TestDatabase['database'] {
    if (!testEnv.databaseUrl) return server.db.database;
    const replica = sharedTestDatabase(server.db);
    closing.push(replica.drop);
    return replica.database;
  }

  it('loses no row written while a roll-up runs', async () => {
    const { userId, keyId } = await account();
    await new UsageRepository(prisma()).insertMany(
      usageHistory({ userId, apiKeyIds: [keyId, null], days: 40, perDay: 150, seed: 7 }),
    );
    const writer = new UsageRepository(replicaDatabase().prisma);
    const late: UsageEntry[] = [];
    let running = true;
    let duringRun = 0;
    const writing = (async () => {
      // Late rows (a recorder's retried batch) inside the rolled ranges, and current ones,
      // until the run ends.
      for (let i = 0; running || i < 3; i += 1) {
        const batch = usageHistory({ userId, apiKeyIds: [keyId], days: 40, perDay: 1, seed: i });
        await writer.insertMany(batch);
        late.push(...batch);
        if (running) duringRun += 1;
        await delay(5);
      }
    })();
    const report = await retention().run();
    running = false;
    await writing;
    expect(report.failed).toEqual([]);
    expect(duringRun).toBeGreaterThan(0);
    const expected = await sums(userId);
    // Everything written is there once, whichever side of the roll-up it landed on.
    await retention().run();
    expect(await sums(userId)).toEqual(expected);
    const today = Math.floor(Date.now() / DAY) * DAY;
    const [total] = await prisma().$queryRaw<Array<{ requests: number }>>`
      SELECT sum(requests)::int AS requests FROM usage_records
      WHERE user_id = ${userId}::uuid AND created_at < ${new Date(today)}`;
    const written = usageHistory({
      userId,
      apiKeyIds: [keyId, null],
      days: 40,
      perDay: 150,
      seed: 7,
    });
    const before = [...written, ...late].filter((r) => r.createdAt.getTime() < today);
    expect(total.requests).toBe(before.reduce((sum, r) => sum + r.requests, 0));
  });

  it('counts every row once when replicas roll up at the same time', async () => {
    const { userId, keyId } = await account();
    await new UsageRepository(prisma()).insertMany(
      usageHistory({ userId, apiKeyIds: [keyId, null], days: 40, perDay: 150, seed: 11 }),
    );
    const expected = await sums();
    const replica = new RetentionJob({
      stores: {
        sessions: { pruneLoginAttempts: async () => 0, pruneRefreshTokens: async () => 0 },
        apiKeys: { pruneExpired: async () => 0 },
        securityEvents: { prune: async () => 0 },
        usage: new UsageRepository(replicaDatabase().prisma),
      },
      settings: loadConfig({ NODE_ENV: 'test' }).retention,
      logger: pino({ level: 'silent' }),
    });
    const reports = await Promise.all([retention().run(), replica.run(), retention().run()]);
    expect(reports.every((r) => r.failed.length === 0)).toBe(true);
    expect(await sums()).toEqual(expected);
    // Whatever one run skipped or split, the next merges; then nothing is left to do.
    await retention().run();
    const last = await retention().run();
    expect(last.outcomes.filter((o) => o.table === 'usage_records').map((o) => o.rows)).toEqual([
      0, 0,
    ]);
    expect(await sums()).toEqual(expected);
  });

  // A second connection holds the lock as another replica's run would (Postgres: PGlite
  // has one connection, which a held transaction would block).
  (testEnv.databaseUrl ? it : it.skip)(
    "leaves the roll-up to a replica's run holding the lock",
    async () => {
      const { userId, keyId } = await account();
      await new UsageRepository(prisma()).insertMany(
        usageHistory({ userId, apiKeyIds: [keyId], days: 10, perDay: 50, seed: 3 }),
      );
      const other = new Client({ connectionString: server.db.url });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query('SELECT pg_advisory_xact_lock($1)', [ROLL_UP_LOCK_KEY]);
        const held = await retention().run();
        expect(held.outcomes.filter((o) => o.table === 'usage_records')).toEqual([
          expect.objectContaining({ grain: 'day', rows: 0, skipped: true }),
          expect.objectContaining({ grain: 'hour', rows: 0, skipped: true }),
        ]);
        await other.query('COMMIT');
      } finally {
        await other.end();
      }
      const free = await retention().run();
      const hourly = free.outcomes.find((o) => o.grain === 'hour')!;
      expect(hourly.skipped).toBeUndefined();
      expect(hourly.rows).toBeGreaterThan(0);
    },
  );
});
