import { LRUCache } from 'lru-cache';
import type { Counter } from 'prom-client';
import { requestStats } from '../../observability/request-stats';
import type { CacheStore } from './cache-store';
import type { CacheKind, TtlPolicy } from './ttl-policy';

/** Bump when the shape of a cached value changes: old entries are then never read. */
export const CACHE_VERSION = 'v1';

/** A cached answer: `value` null means "unknown symbol"; `stale` marks data past its TTL. */
export interface Cached<T> {
  value: T | null;
  stale: boolean;
}

interface Entry<T> {
  /** Stored at (epoch ms). */
  t: number;
  v: T | null;
}

/** Options for {@link MarketCache}. */
export interface MarketCacheOptions {
  store: CacheStore;
  ttl: TtlPolicy;
  /** Counters labelled by kind; see Metrics.cacheLookups. */
  lookups?: Counter<'kind' | 'result'>;
  now?: () => Date;
  /** How long a loader may hold a key's lock. */
  lockTtlMs?: number;
  /** How long a caller waits for another process's load before loading itself. */
  waitMs?: number;
}

/**
 * How a lookup was answered: `hit` from a fresh entry, `coalesced` by joining a load
 * already in flight (in this process, or another one sharing the store), `miss` by a
 * load of its own.
 */
export type CacheResult = 'hit' | 'coalesced' | 'miss';

/** Loads the given ids upstream; an id missing from the map (or null) is unknown. */
export type Loader<T> = (ids: string[]) => Promise<Map<string, T | null>>;

/**
 * Read-through cache for upstream data with single-flight: concurrent misses for one
 * key cause one load, in one process (shared promises) and across processes sharing
 * the store (a lock per key; the others wait for the winner's write). Entries outlive
 * their freshness so that stale data can be served when the loader fails.
 */
export class MarketCache {
  private readonly inflight = new Map<string, Promise<Entry<unknown> | undefined>>();
  /** The last text read per key and its decoded entry, up to 64 MB of text. */
  private readonly decoded = new LRUCache<string, { text: string; entry: unknown }>({
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (value) => value.text.length + 1,
  });
  private readonly now: () => Date;
  private readonly lockTtlMs: number;
  private readonly waitMs: number;

  constructor(private readonly options: MarketCacheOptions) {
    this.now = options.now ?? (() => new Date());
    this.lockTtlMs = options.lockTtlMs ?? 10_000;
    this.waitMs = options.waitMs ?? 5_000;
  }

  /** The store key of one id: versioned and namespaced by kind. */
  static key(kind: CacheKind, id: string): string {
    return `md:${CACHE_VERSION}:${kind}:${id}`;
  }

  /**
   * Cached values for `ids`, loading the missing ones with `load` (once per key across
   * concurrent callers). When `load` fails, stale entries are returned marked stale; ids
   * with nothing cached make the call reject with the loader's error.
   */
  async getMany<T>(
    kind: CacheKind,
    ids: readonly string[],
    load: Loader<T>,
  ): Promise<Map<string, Cached<T>>> {
    const unique = [...new Set(ids)];
    const keys = unique.map((id) => MarketCache.key(kind, id));
    const entries = await this.read<T>(keys);
    const result = new Map<string, Cached<T>>();
    const missing: string[] = [];
    // Entries past their freshness, kept to answer with if the load fails.
    const staleById = new Map<string, Entry<T>>();
    unique.forEach((id, index) => {
      const entry = entries[index];
      if (entry && this.isFresh(kind, entry)) {
        result.set(id, { value: entry.v, stale: false });
        return;
      }
      missing.push(id);
      if (entry) staleById.set(id, entry);
    });
    this.count(kind, 'hit', result.size);
    if (missing.length === 0) return result;

    const joined: Array<[string, Promise<Entry<unknown> | undefined>]> = [];
    const ours: string[] = [];
    for (const id of missing) {
      const pending = this.inflight.get(MarketCache.key(kind, id));
      if (pending) joined.push([id, pending]);
      else ours.push(id);
    }
    this.count(kind, 'coalesced', joined.length);
    const own = this.loadOwn(kind, ours, load);
    const settled = await Promise.allSettled([
      ...joined.map(async ([id, pending]) => [id, await pending] as const),
      ...ours.map(async (id) => [id, await own.get(id)!] as const),
    ]);
    let failure: unknown;
    for (const [index, outcome] of settled.entries()) {
      const id = index < joined.length ? joined[index][0] : ours[index - joined.length];
      if (outcome.status === 'fulfilled' && outcome.value[1]) {
        result.set(id, { value: outcome.value[1].v as T | null, stale: false });
        continue;
      }
      const stale = staleById.get(id);
      if (stale) result.set(id, { value: stale.v, stale: true });
      else
        failure ??=
          outcome.status === 'rejected' ? outcome.reason : new Error(`no value for ${kind} ${id}`);
    }
    if (failure) throw failure;
    return result;
  }

  // Starts the loads this caller owns and registers them as in flight for the process.
  private loadOwn<T>(
    kind: CacheKind,
    ids: string[],
    load: Loader<T>,
  ): Map<string, Promise<Entry<unknown> | undefined>> {
    const promises = new Map<string, Promise<Entry<unknown> | undefined>>();
    if (ids.length === 0) return promises;
    const batch = this.loadAcrossProcesses(kind, ids, load);
    for (const id of ids) {
      const key = MarketCache.key(kind, id);
      const promise = batch.then((entries) => entries.get(id));
      promises.set(id, promise);
      this.inflight.set(key, promise);
      const release = () => {
        if (this.inflight.get(key) === promise) this.inflight.delete(key);
      };
      promise.then(release, release);
    }
    return promises;
  }

  private async loadAcrossProcesses<T>(
    kind: CacheKind,
    ids: string[],
    load: Loader<T>,
  ): Promise<Map<string, Entry<T>>> {
    const lockKeys = ids.map((id) => `lock:${MarketCache.key(kind, id)}`);
    // An unreachable store cannot coordinate: load here rather than fail.
    const locks = await Promise.all(
      lockKeys.map((key) => this.options.store.tryLock(key, this.lockTtlMs).catch(() => true)),
    );
    const mine = ids.filter((_, i) => locks[i]);
    const theirs = ids.filter((_, i) => !locks[i]);
    this.count(kind, 'miss', mine.length);
    const [loaded, waited] = await Promise.all([
      this.loadAndStore(kind, mine, load).finally(() =>
        Promise.all(
          lockKeys
            .filter((_, i) => locks[i])
            .map((key) => this.options.store.unlock(key).catch(() => undefined)),
        ),
      ),
      this.waitFor<T>(kind, theirs),
    ]);
    // Whatever another process did not fill in time is loaded here.
    const late = theirs.filter((id) => !waited.has(id));
    this.count(kind, 'coalesced', waited.size);
    this.count(kind, 'miss', late.length);
    const lateLoaded = await this.loadAndStore(kind, late, load);
    return new Map([...loaded, ...waited, ...lateLoaded]);
  }

  private async loadAndStore<T>(
    kind: CacheKind,
    ids: string[],
    load: Loader<T>,
  ): Promise<Map<string, Entry<T>>> {
    if (ids.length === 0) return new Map();
    const values = await load(ids);
    const now = this.now();
    const entries = new Map<string, Entry<T>>();
    const writes = ids.map((id) => {
      const value = values.get(id) ?? null;
      const entry: Entry<T> = { t: now.getTime(), v: value };
      entries.set(id, entry);
      const fresh =
        value === null ? this.options.ttl.negativeMs : this.options.ttl.freshMs(kind, now);
      return {
        key: MarketCache.key(kind, id),
        value: JSON.stringify(entry),
        ttlMs: fresh + this.options.ttl.staleKeepMs,
      };
    });
    // Failing to cache is not failing to answer.
    await this.options.store.mset(writes).catch(() => undefined);
    return entries;
  }

  // Polls the store until another process has written fresh entries, or time runs out.
  private async waitFor<T>(kind: CacheKind, ids: string[]): Promise<Map<string, Entry<T>>> {
    const found = new Map<string, Entry<T>>();
    let pending = ids;
    let delay = 10;
    const deadline = Date.now() + this.waitMs;
    while (pending.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 100);
      const entries = await this.read<T>(pending.map((id) => MarketCache.key(kind, id)));
      pending = pending.filter((id, index) => {
        const entry = entries[index];
        if (!entry || !this.isFresh(kind, entry)) return true;
        found.set(id, entry);
        return false;
      });
    }
    return found;
  }

  private async read<T>(keys: string[]): Promise<Array<Entry<T> | null>> {
    // An unreachable store reads as a miss: upstream still answers.
    const raw = await this.options.store.mget(keys).catch(() => keys.map(() => null));
    return raw.map((value, index) => (value ? this.decode<T>(keys[index], value) : null));
  }

  // Decoding is most of a warm read (ten years of bars are ~250 KB of JSON a symbol):
  // an entry read again as the same text is decoded once. Entries are read-only.
  private decode<T>(key: string, text: string): Entry<T> | null {
    const known = this.decoded.get(key);
    if (known && known.text === text) return known.entry as Entry<T>;
    try {
      const entry = JSON.parse(text) as Entry<T>;
      this.decoded.set(key, { text, entry });
      return entry;
    } catch {
      return null;
    }
  }

  private isFresh(kind: CacheKind, entry: Entry<unknown>): boolean {
    const storedAt = new Date(entry.t);
    const ttl =
      entry.v === null ? this.options.ttl.negativeMs : this.options.ttl.freshMs(kind, storedAt);
    return this.now().getTime() - entry.t < ttl;
  }

  private count(kind: CacheKind, result: CacheResult, amount: number): void {
    if (amount <= 0) return;
    this.options.lookups?.inc({ kind, result }, amount);
    const stats = requestStats.getStore();
    if (stats && result !== 'miss') stats.cacheHits += amount;
  }
}
