import type Redis from 'ioredis';
import pino from 'pino';
import { closeRedis, openRedis } from '../../../src/datasources/cache/redis';
import { RateLimiter } from '../../../src/datasources/cache/rate-limiter';
import { RedisCacheStore } from '../../../src/datasources/cache/redis-cache.store';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy';
import { createTestRedis } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';

const redis = createTestRedis();
const limits = { perMinute: 5, perDay: null };

// Real Redis behind the fault proxy: a stall keeps the connection open and silent, which
// ioredis' reconnects never notice; only the command timeout bounds the wait.
(redis.url ? describe : describe.skip)('Redis stalls: every command is bounded', () => {
  let proxy: FaultProxy;
  let client: Redis;
  let direct: Redis;
  beforeAll(async () => {
    const target = new URL(redis.url!);
    proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port || 6379) });
    client = openRedis({
      url: proxy.url(redis.url!),
      keyPrefix: redis.prefix,
      logger: pino({ level: 'silent' }),
      commandTimeoutMs: 300,
    });
    direct = redis.client();
    await client.ping();
  });
  afterAll(async () => {
    await closeRedis(client);
    await proxy.close();
    await redis.close();
  });

  it('rate limits decide per process within the bound while Redis stalls, and shared again after', async () => {
    const limiter = new RateLimiter(client, pino({ level: 'silent' }));
    expect((await limiter.consume('acct:stall', limits)).allowed).toBe(true);
    expect(await direct.exists('rl:w:acct:stall')).toBe(1);

    proxy.stall();
    const started = performance.now();
    const decision = await limiter.consume('acct:stall', limits);
    const waited = performance.now() - started;
    expect(decision.allowed).toBe(true);
    // The 300 ms command timeout, not the stall, decides how long a request waits.
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2_000);
    expect(limiter.localSubjects).toBeGreaterThan(0);

    await proxy.heal();
    await direct.del('rl:w:acct:stall');
    // Back on Redis by itself: the shared log counts the next request again.
    await waitFor(
      async () => {
        await limiter.consume('acct:stall', limits);
        return (await direct.exists('rl:w:acct:stall')) === 1;
      },
      5_000,
      'the shared rate limit log',
    );
  });

  it('cache reads fail within the bound while Redis stalls, so callers fall back', async () => {
    const store = new RedisCacheStore(client);
    await store.mset([{ key: 'c:one', value: '1', ttlMs: 60_000 }]);
    proxy.stall();
    const started = performance.now();
    await expect(store.mget(['c:one'])).rejects.toThrow(/timed out/i);
    expect(performance.now() - started).toBeLessThan(2_000);
    await proxy.heal();
    await waitFor(
      async () => JSON.stringify(await store.mget(['c:one']).catch(() => null)) === '["1"]',
      5_000,
      'the shared cache',
    );
  });
});
