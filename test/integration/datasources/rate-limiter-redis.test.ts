import Redis from 'ioredis';
import pino from 'pino';
import { RateLimiter } from '../../../src/datasources/cache/rate-limiter';
import { createTestRedis } from '../../helpers/redis';

const redis = createTestRedis();

(redis.url ? describe : describe.skip)('RateLimiter on a real Redis', () => {
  // Made in beforeAll: a skipped describe still runs its body, and a client made here
  // would connect (to localhost) and hold jest open on the embedded run.
  let client: Redis;
  beforeAll(() => {
    client = new Redis(redis.url!, { keyPrefix: redis.prefix });
  });
  afterAll(async () => {
    client.disconnect();
    await redis.clear();
  });

  it('gives every key it writes a TTL, so caller-chosen subjects expire', async () => {
    const limiter = new RateLimiter(client, pino({ level: 'silent' }));
    const limits = { perMinute: 2, perDay: 10 };
    for (let i = 0; i < 3; i += 1) await limiter.consume('ip:203.0.113.9', limits);
    await limiter.consume('ip:203.0.113.10', { perMinute: 5, perDay: null });
    const keys = await client.keys(`${redis.prefix}rl:*`);
    // A minute log per subject, and a day counter for the one with a day limit.
    expect(keys.length).toBe(3);
    for (const key of keys) {
      const ttl = await client.pttl(key.slice(redis.prefix.length));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(86_400_000 + 60_000);
    }
  });
});
