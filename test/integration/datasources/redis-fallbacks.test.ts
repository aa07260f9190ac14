import Redis from 'ioredis';
import pino from 'pino';
import { RateLimiter } from '../../../src/datasources/cache/rate-limiter';
import { RedisBudget } from '../../../src/datasources/providers/upstream-budget';
import { createTestRedis } from '../../helpers/redis';

const logger = pino({ level: 'silent' });
const redis = createTestRedis();
afterAll(() => redis.clear());

(redis.url ? describe : describe.skip)('RedisBudget on a real Redis', () => {
  it('grants exactly the limit to 100 concurrent takes from two clients', async () => {
    const clients = [0, 1].map(() => new Redis(redis.url!, { keyPrefix: redis.prefix }));
    try {
      const limits = [{ limit: 10, windowMs: 60_000 }];
      const budgets = clients.map((client) => new RedisBudget(client, 'fmp', limits, logger));
      const granted = await Promise.all(
        Array.from({ length: 100 }, (_, i) => budgets[i % 2].take()),
      );
      expect(granted.filter(Boolean)).toHaveLength(10);
      // The key lives under the client's prefix, and expires with its window.
      const ttl = await clients[0].pttl('budget:fmp:10:60000');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await Promise.all(clients.map((client) => client.quit()));
    }
  });
});

describe('RedisBudget when Redis is unreachable', () => {
  it('falls back to a per-process budget instead of failing calls', async () => {
    const client = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
      enableOfflineQueue: false,
    });
    const warnings: string[] = [];
    const spy = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    const budget = new RedisBudget(client, 'fmp', [{ limit: 3, windowMs: 60_000 }], spy);
    const granted = [];
    for (let i = 0; i < 5; i += 1) granted.push(await budget.take());
    expect(granted).toEqual([true, true, true, false, false]);
    expect(warnings).toHaveLength(1);
    client.disconnect();
  });
});

describe('RateLimiter when Redis is unreachable', () => {
  it('falls back to per-process limits instead of failing requests', async () => {
    const client = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
      enableOfflineQueue: false,
    });
    const limiter = new RateLimiter(client, logger);
    const decisions = [];
    for (let i = 0; i < 4; i += 1) {
      decisions.push(await limiter.consume('key:k', { perMinute: 3, perDay: 100 }));
    }
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3].retryAfterSeconds).toBeGreaterThan(0);
    expect(decisions[2].remaining).toBe(0);
    client.disconnect();
  });
});

describe('RateLimiter without Redis', () => {
  it('keeps exact counts while forgetting idle subjects and past days', async () => {
    let now = Date.UTC(2026, 0, 1, 23, 59);
    const limiter = new RateLimiter(null, logger, () => now);
    const limits = { perMinute: 1_000, perDay: 3 };
    for (let i = 0; i < 10_000; i += 1) await limiter.consume(`ip:${i}`, limits);
    await limiter.consume('key:k', limits);
    await limiter.consume('key:k', limits);
    now += 61_000; // the next UTC day, and everyone idle for a minute: the sweep runs
    for (let i = 0; i < 3; i += 1)
      expect((await limiter.consume('key:k', limits)).allowed).toBe(true);
    expect((await limiter.consume('key:k', limits)).allowed).toBe(false);
    // The 10,000 idle addresses of yesterday are swept a few at a time as new subjects
    // arrive (8 a new one): after 2,000 new ones, none of them is left.
    for (let i = 0; i < 2_000; i += 1) await limiter.consume(`ip:new-${i}`, limits);
    const state = limiter as unknown as { local: { size: number } };
    expect(state.local.size).toBe(2_000 + 1);
  });
});
