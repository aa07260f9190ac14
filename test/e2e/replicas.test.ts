import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/providers/fake-upstream';
import { gql } from '../helpers/graphql';
import { spawnServer, type ServerProcess } from '../helpers/process';
import { createTestRedis } from '../helpers/redis';
import { testEnv } from '../helpers/test-env';

// Two gateway processes sharing one Redis, in front of one (fixture) FMP upstream.
// Needs Redis: CI's first pass runs it against the real server; the embedded pass
// (no REDIS_URL) has no shared store and nothing to coalesce across processes.
const describeWithRedis = testEnv.redisUrl ? describe : describe.skip;

describeWithRedis('two replicas sharing Redis', () => {
  const redis = createTestRedis();
  let upstream: FakeUpstream;
  let replicas: ServerProcess[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    upstream = await startFakeUpstream('fmp');
    replicas = await Promise.all(
      [0, 1].map(async () => {
        const cwd = await mkdtemp(path.join(os.tmpdir(), 'yf-replica-'));
        dirs.push(cwd);
        return spawnServer({
          cwd,
          env: {
            PORT: '0',
            PATH: process.env.PATH ?? '',
            REDIS_URL: testEnv.redisUrl!,
            REDIS_KEY_PREFIX: redis.prefix,
            MARKET_DATA_PROVIDERS: 'fmp',
            FMP_API_KEY: upstream.apiKey,
            FMP_BASE_URL: upstream.url,
          },
        });
      }),
    );
  }, 60_000);

  afterAll(async () => {
    for (const replica of replicas) replica.child.kill('SIGTERM');
    await Promise.all(replicas.map((replica) => replica.exited));
    await upstream.close();
    await redis.clear();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('make 1 upstream call for 200 concurrent cold requests spread over both', async () => {
    upstream.latencyMs = 200;
    const symbol = 'NVDA';
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const replica = replicas[i % 2];
        return gql<{ quote: { symbol: string; source: string } }>(
          replica.url,
          `{ quote(symbol: "${symbol}") { symbol source } }`,
          { apiKey: replica.demoKey, headers: { 'x-request-id': randomBytes(4).toString('hex') } },
        );
      }),
    );
    expect(answers.every((a) => a.body.data?.quote?.symbol === symbol)).toBe(true);
    expect(answers.every((a) => a.body.data?.quote?.source === 'fmp')).toBe(true);
    expect(upstream.count()).toBe(1);
  });
});
