/**
 * A shared key-value store for cached upstream data: Redis across replicas, or an
 * in-process LRU for one process. Values are strings (JSON); TTLs are milliseconds.
 */
export interface CacheStore {
  /** `redis` or `memory`, for metrics and logs. */
  readonly kind: 'redis' | 'memory';
  mget(keys: readonly string[]): Promise<Array<string | null>>;
  mset(entries: ReadonlyArray<{ key: string; value: string; ttlMs: number }>): Promise<void>;
  /** Takes `key` for `ttlMs` if nobody holds it; true when this caller now holds it. */
  tryLock(key: string, ttlMs: number): Promise<boolean>;
  unlock(key: string): Promise<void>;
}
