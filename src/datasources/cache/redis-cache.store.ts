import type Redis from 'ioredis';
import type { CacheStore } from './cache-store';

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
    await pipeline.exec();
  }

  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(key, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async unlock(key: string): Promise<void> {
    await this.redis.del(key);
  }
}
