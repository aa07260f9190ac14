import Redis from 'ioredis';
import type { CacheStore } from '../../../src/datasources/cache/cache-store';
import { MarketCache, type Loader } from '../../../src/datasources/cache/market-cache';
import { MemoryCacheStore } from '../../../src/datasources/cache/memory-cache.store';
import { RedisCacheStore } from '../../../src/datasources/cache/redis-cache.store';
import { defaultTtlPolicy } from '../../../src/datasources/cache/ttl-policy';
import { Metrics } from '../../../src/observability/metrics';
import { createTestRedis, type TestRedis } from '../../helpers/redis';

/** A loader that counts its calls and the ids it was asked for, answering after `delayMs`. */
function countingLoader(known: Record<string, number>, delayMs = 20) {
  const calls: string[][] = [];
  const load: Loader<number> = async (ids) => {
    calls.push([...ids]);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return new Map(ids.filter((id) => id in known).map((id) => [id, known[id]]));
  };
  return { calls, load };
}

interface StoreFactory {
  name: string;
  /** Two stores that share data, as two processes on one Redis would. */
  pair(): { a: CacheStore; b: CacheStore; close(): Promise<void> };
}

const redis: TestRedis = createTestRedis();
let pairs = 0;
const factories: StoreFactory[] = [
  {
    name: 'memory',
    pair: () => {
      const store = new MemoryCacheStore();
      return { a: store, b: store, close: async () => undefined };
    },
  },
];
if (redis.url) {
  factories.push({
    name: 'redis',
    pair: () => {
      // A prefix per test, so that one test's entries are not another's warm cache.
      const keyPrefix = `${redis.prefix}${(pairs += 1)}:`;
      const clients = [0, 1].map(() => new Redis(redis.url!, { keyPrefix }));
      return {
        a: new RedisCacheStore(clients[0]),
        b: new RedisCacheStore(clients[1]),
        close: async () => {
          await Promise.all(clients.map((client) => client.quit()));
        },
      };
    },
  });
}

afterAll(() => redis.clear());

describe.each(factories)('MarketCache on $name', (factory) => {
  let stores: ReturnType<StoreFactory['pair']>;
  let clock: Date;
  const cacheOn = (store: CacheStore, metrics?: Metrics) =>
    new MarketCache({
      store,
      ttl: defaultTtlPolicy({ quoteMs: 5_000 }),
      now: () => clock,
      lookups: metrics?.cacheLookups,
    });

  beforeEach(() => {
    stores = factory.pair();
    clock = new Date('2026-11-20T18:00:00Z');
  });
  afterEach(() => stores.close());

  it('serves warm keys without loading, and counts hits and misses', async () => {
    const metrics = new Metrics();
    const cache = cacheOn(stores.a, metrics);
    const { calls, load } = countingLoader({ AAPL: 1, MSFT: 2 });
    const kind = `quote` as const;
    const first = await cache.getMany(kind, ['AAPL', 'MSFT'], load);
    expect([...first.entries()]).toEqual([
      ['AAPL', { value: 1, stale: false }],
      ['MSFT', { value: 2, stale: false }],
    ]);
    await cache.getMany(kind, ['MSFT', 'AAPL'], load);
    expect(calls).toEqual([['AAPL', 'MSFT']]);
    const text = await metrics.registry.getSingleMetricAsString('yieldflow_cache_lookups_total');
    expect(text).toContain('yieldflow_cache_lookups_total{kind="quote",result="miss"} 2');
    expect(text).toContain('yieldflow_cache_lookups_total{kind="quote",result="hit"} 2');
  });

  it('makes one upstream call for 200 concurrent cold requests', async () => {
    const cache = cacheOn(stores.a);
    const { calls, load } = countingLoader({ AAPL: 1 }, 50);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => cache.getMany('quote', ['AAPL'], load)),
    );
    expect(calls).toHaveLength(1);
    expect(results.every((r) => r.get('AAPL')?.value === 1)).toBe(true);
  });

  it('makes one upstream call for concurrent cold requests from two processes sharing the store', async () => {
    const [a, b] = [cacheOn(stores.a), cacheOn(stores.b)];
    const { calls, load } = countingLoader({ AAPL: 1 }, 100);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).getMany('quote', ['AAPL'], load)),
    );
    expect(calls).toHaveLength(1);
    expect(results.every((r) => r.get('AAPL')?.value === 1)).toBe(true);
  });

  it('remembers unknown symbols (negative caching) for an hour', async () => {
    const cache = cacheOn(stores.a);
    const { calls, load } = countingLoader({});
    expect((await cache.getMany('profile', ['NOPE'], load)).get('NOPE')).toEqual({
      value: null,
      stale: false,
    });
    await cache.getMany('profile', ['NOPE'], load);
    expect(calls).toHaveLength(1);
    clock = new Date(clock.getTime() + 61 * 60_000);
    await cache.getMany('profile', ['NOPE'], load);
    expect(calls).toHaveLength(2);
  });

  it('reloads after the TTL, and serves the stale value marked stale when the reload fails', async () => {
    const cache = cacheOn(stores.a);
    const { calls, load } = countingLoader({ AAPL: 1 });
    await cache.getMany('quote', ['AAPL'], load);
    clock = new Date(clock.getTime() + 4_000);
    await cache.getMany('quote', ['AAPL'], load);
    expect(calls).toHaveLength(1);
    clock = new Date(clock.getTime() + 2_000);
    await cache.getMany('quote', ['AAPL'], load);
    expect(calls).toHaveLength(2);

    clock = new Date(clock.getTime() + 10_000);
    const failing: Loader<number> = async () => {
      throw new Error('upstream down');
    };
    expect((await cache.getMany('quote', ['AAPL'], failing)).get('AAPL')).toEqual({
      value: 1,
      stale: true,
    });
    await expect(cache.getMany('quote', ['NEVER_SEEN'], failing)).rejects.toThrow('upstream down');
  });

  it('keeps daily series fresh until the next market close', async () => {
    const cache = cacheOn(stores.a);
    const { calls, load } = countingLoader({ AAPL: 1 });
    await cache.getMany('history', ['AAPL'], load);
    clock = new Date('2026-11-20T20:59:00Z');
    await cache.getMany('history', ['AAPL'], load);
    expect(calls).toHaveLength(1);
    clock = new Date('2026-11-20T21:01:00Z');
    await cache.getMany('history', ['AAPL'], load);
    expect(calls).toHaveLength(2);
  });
});

describe('MarketCache keys', () => {
  it('are versioned and namespaced by kind', () => {
    expect(MarketCache.key('quote', 'AAPL')).toBe('md:v1:quote:AAPL');
    expect(MarketCache.key('history', 'AAPL:2020-01-01:2020-12-31')).toBe(
      'md:v1:history:AAPL:2020-01-01:2020-12-31',
    );
  });
});
