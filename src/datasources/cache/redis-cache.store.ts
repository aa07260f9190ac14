import type Redis from 'ioredis';
import type { CacheStore } from './cache-store';
import { MemoryCacheStore } from './memory-cache.store';
import { sharedOrLocal } from './shared-state';

/** The Redis {@link CacheStore}, shared by every replica on the same Redis and prefix. */
export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis';

  constructor(private readonly redis: Redis) {}

  async mget(keys: readonly string[]): Promise<Array<string | null>> {
    if (keys.length === 0) return [];
    return this.redis.mget(...keys);
  }

  async mset(entries: ReadonlyArray<{ key: string; value: string; ttlMs: number }>): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { key, value, ttlMs } of entries)
      pipeline.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    // A pipeline resolves with each command's error rather than rejecting: a write that
    // did not happen must say so (the caller then keeps the entries elsewhere).
    const failed = (await pipeline.exec())?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(key, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async unlock(key: string): Promise<void> {
    await this.redis.del(key);
  }
}

/**
 * The market-data cache in Redis, and in this process while Redis fails: entries and
 * single-flight locks go to memory meanwhile, so that a Redis outage costs each replica
 * one upstream call per symbol and freshness window, not one per request.
 */
export class SharedCacheStore implements CacheStore {
  readonly kind = 'redis';
  readonly mget: CacheStore['mget'];
  readonly mset: CacheStore['mset'];
  readonly tryLock: CacheStore['tryLock'];
  readonly unlock: CacheStore['unlock'];

  constructor(redis: Redis, local = new MemoryCacheStore()) {
    const shared = new RedisCacheStore(redis);
    this.mget = sharedOrLocal(shared.mget.bind(shared), local.mget.bind(local));
    this.mset = sharedOrLocal(shared.mset.bind(shared), local.mset.bind(local));
    this.tryLock = sharedOrLocal(shared.tryLock.bind(shared), local.tryLock.bind(local));
    // A lock is released where it may have been taken: here always (a no-op when it
    // was Redis'), in Redis when it answers.
    this.unlock = async (key) => {
      await local.unlock(key);
      await shared.unlock(key).catch(() => undefined);
    };
  }
}
