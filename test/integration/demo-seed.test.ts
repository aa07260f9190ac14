import { mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApiKeyRepository } from '../../src/datasources/database/api-key.repository';
import { UserRepository } from '../../src/datasources/database/user.repository';
import { API_KEY_PATTERN, hashApiKey } from '../../src/domain/api-key-secret';
import { DEMO_EMAIL, DemoSeedService } from '../../src/services/demo-seed.service';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

describe('DemoSeedService', () => {
  let db: TestDatabase;
  let dataDir: string;
  let seed: DemoSeedService;

  beforeEach(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'yf-seed-'));
    const { prisma } = db.database;
    seed = new DemoSeedService(new UserRepository(prisma), new ApiKeyRepository(prisma), dataDir);
  });
  afterEach(async () => {
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a PRO demo user with a yf_test_ key kept in demo-key.txt (0600), storing only its hash', async () => {
    const demo = await seed.ensure();
    expect(demo.created).toBe(true);
    expect(demo.apiKey).toMatch(API_KEY_PATTERN);
    expect(demo.apiKey.startsWith('yf_test_')).toBe(true);
    expect((await readFile(demo.keyFile, 'utf8')).trim()).toBe(demo.apiKey);
    expect((await stat(demo.keyFile)).mode & 0o777).toBe(0o600);

    const user = await db.database.prisma.user.findUniqueOrThrow({
      where: { email: DEMO_EMAIL },
      include: { apiKeys: true },
    });
    expect(user.plan).toBe('PRO');
    expect(user.apiKeys).toHaveLength(1);
    const [stored] = user.apiKeys;
    expect(stored.hash).toBe(hashApiKey(demo.apiKey));
    expect(stored.prefix).toBe(demo.apiKey.slice(0, 12));
    expect(stored.lastFour).toBe(demo.apiKey.slice(-4));
    expect(JSON.stringify(user)).not.toContain(demo.apiKey.slice(12));
  });

  it('seeds nothing twice: a second start reuses the user and the key', async () => {
    const first = await seed.ensure();
    const second = await seed.ensure();
    expect(second).toMatchObject({ apiKey: first.apiKey, created: false });
    expect(await db.database.prisma.user.count()).toBe(1);
    expect(await db.database.prisma.apiKey.count()).toBe(1);
  });

  it('issues a new key for the same user when the key file is lost or its key revoked', async () => {
    const first = await seed.ensure();
    await unlink(first.keyFile);
    const second = await seed.ensure();
    expect(second.created).toBe(true);
    expect(second.apiKey).not.toBe(first.apiKey);
    await db.database.prisma.apiKey.updateMany({ data: { revokedAt: new Date() } });
    const third = await seed.ensure();
    expect(third.created).toBe(true);
    expect(await db.database.prisma.user.count()).toBe(1);
  });

  it('survives concurrent first starts (one user)', async () => {
    await Promise.all([seed.ensure(), seed.ensure(), seed.ensure()]);
    expect(await db.database.prisma.user.count()).toBe(1);
  });
});
