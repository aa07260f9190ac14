import { LRUCache } from 'lru-cache';
import type { CacheStore } from './cache-store';

/** The in-process {@link CacheStore}: an LRU bounded by entry count, with per-entry TTLs. */
export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory';
  private readonly entries: LRUCache<string, string>;
  private readonly locks = new Map<string, number>();

  constructor(options: { maxEntries?: number } = {}) {
    this.entries = new LRUCache<string, string>({
      max: options.maxEntries ?? 50_000,
      ttlAutopurge: false,
    });
  }

  async mget(keys: readonly string[]): Promise<Array<string | null>> {
    return keys.map((key) => this.entries.get(key) ?? null);
  }

  async mset(entries: ReadonlyArray<{ key: string; value: string; ttlMs: number }>): Promise<void> {
    for (const { key, value, ttlMs } of entries) this.entries.set(key, value, { ttl: ttlMs });
  }

  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const expires = this.locks.get(key);
    if (expires !== undefined && expires > now) return false;
    this.locks.set(key, now + ttlMs);
    return true;
  }

  async unlock(key: string): Promise<void> {
    this.locks.delete(key);
  }
}
