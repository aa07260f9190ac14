import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/paths';
import { openPglite, type Database } from '../../src/datasources/database/database';
import { UsageRepository } from '../../src/datasources/database/usage.repository';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { runNode } from '../helpers/process';
import { testEnv } from '../helpers/test-env';

const CLI = path.join(PROJECT_ROOT, 'dist', 'scripts', 'retention.js');
const DAY = 86_400_000;

describe('npm run retention', () => {
  let cwd: string;
  let postgres: TestDatabase | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-retention-'));
    postgres = testEnv.databaseUrl ? await createTestDatabase() : undefined;
    env = {
      PATH: process.env.PATH ?? '',
      ...(postgres ? { DATABASE_URL: postgres.url! } : { DATA_DIR: path.join(cwd, 'data') }),
    };
  });
  afterAll(async () => {
    await postgres?.drop();
    await rm(cwd, { recursive: true, force: true });
  });

  /** The CLI's database, between runs (the embedded one is the CLI's alone while it runs). */
  async function withDatabase(use: (database: Database) => Promise<void>): Promise<void> {
    if (postgres) return use(postgres.database);
    const database = await openPglite({ dataDir: env.DATA_DIR });
    try {
      await use(database);
    } finally {
      await database.close();
    }
  }

  it('runs every step once, printing what each did', async () => {
    const fresh = await runNode([CLI], { cwd, env });
    expect(fresh.stderr).toBe('');
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain('login_attempts: pruned 0\n');

    const hourAgo = Math.floor((Date.now() - 10 * DAY) / 3_600_000) * 3_600_000;
    const userId = randomUUID();
    await withDatabase(async ({ prisma }) => {
      await prisma.loginAttempt.create({
        data: {
          email: 'old@example.com',
          ip: '192.0.2.1',
          success: false,
          createdAt: new Date(Date.now() - 100 * DAY),
        },
      });
      const second = (s: number) => ({
        userId,
        apiKeyId: null,
        operationName: 'Cards',
        requests: 2,
        cost: 8,
        status: 'OK',
        durationMs: 30,
        cacheHits: 1,
        createdAt: new Date(hourAgo + s * 1000),
      });
      await new UsageRepository(prisma).insertMany([second(1), second(2), second(3_599)]);
    });

    const run = await runNode([CLI], { cwd, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('login_attempts: pruned 1\n');
    expect(run.stdout).toContain('usage_records (hour): merged 3 rows into 1\n');
    await withDatabase(async ({ prisma }) => {
      const rows = await prisma.usageRecord.findMany({ where: { userId } });
      expect(rows).toEqual([
        expect.objectContaining({
          requests: 6,
          cost: 24,
          durationMs: 90,
          cacheHits: 3,
          createdAt: new Date(hourAgo),
        }),
      ]);
    });
  });

  it('stops on a bad setting, naming it', async () => {
    const bad = await runNode([CLI], {
      cwd,
      env: {
        ...env,
        RETENTION_USAGE_HOURLY_AFTER_DAYS: '5',
        RETENTION_USAGE_DAILY_AFTER_DAYS: '4',
      },
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'config error: RETENTION_USAGE_DAILY_AFTER_DAYS: must be at least RETENTION_USAGE_HOURLY_AFTER_DAYS (5)\n',
    );
  });
});
