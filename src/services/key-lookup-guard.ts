import { LRUCache } from 'lru-cache';
import { addressGroup } from '../domain/client-address';
import type { RateDecision, RequestLimits } from '../datasources/cache/rate-limiter';
import { RateLimitedError } from '../errors/errors';

/** How long a key hash the database did not know is answered without asking again. */
export const UNKNOWN_KEY_TTL_MS = 60_000;
/** Most unknown key hashes remembered per process (least recently seen go first). */
export const UNKNOWN_KEYS_MAX = 10_000;
/** Database lookups of keys not in the key cache, per client address (IPv6: per /64) a minute. */
export const KEY_LOOKUPS_PER_MINUTE = 60;

/** What spends a lookup: the gateway's rate limiter (exact across replicas with Redis). */
export type LookupSpender = (
  subject: string,
  limits: RequestLimits,
) => RateDecision | Promise<RateDecision>;

/**
 * Keeps made-up API keys from costing database lookups: a key the database did not know
 * is refused from memory for {@link UNKNOWN_KEY_TTL_MS}, and each lookup that finds no
 * key spends one of the address's {@link KEY_LOOKUPS_PER_MINUTE}; past them, lookups of
 * keys not in the key cache from that address (IPv6: its /64) are refused RATE_LIMITED
 * before the database until the minute has passed. Lookups that find a key spend
 * nothing, so many honest keys behind one address are never refused.
 */
export class KeyLookupGuard {
  private readonly unknown = new LRUCache<string, true>({
    max: UNKNOWN_KEYS_MAX,
    ttl: UNKNOWN_KEY_TTL_MS,
  });
  /** Address groups out of lookups, and until when (ms). */
  private readonly blocked = new LRUCache<string, number>({ max: UNKNOWN_KEYS_MAX });

  constructor(
    private readonly spend: LookupSpender,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `hash` was looked up lately and no key had it. */
  isKnownUnknown(hash: string): boolean {
    return this.unknown.has(hash);
  }

  /** Throws RATE_LIMITED while `ip`'s group has spent its lookups of unknown keys. */
  assertNotBlocked(ip: string | undefined): void {
    const group = addressGroup(ip ?? '');
    const until = this.blocked.get(group);
    if (until === undefined) return;
    const left = until - this.now();
    if (left <= 0) {
      this.blocked.delete(group);
      return;
    }
    throw new RateLimitedError(
      `Too many lookups of unknown API keys from this address; retry after ${Math.ceil(left / 1_000)} s`,
      Math.ceil(left / 1_000),
    );
  }

  /** A lookup found no key with `hash`: remember it, and spend one of `ip`'s lookups. */
  async missed(hash: string, ip: string | undefined): Promise<void> {
    this.unknown.set(hash, true);
    const group = addressGroup(ip ?? '');
    const decision = await this.spend(`keylookup:${group}`, {
      perMinute: KEY_LOOKUPS_PER_MINUTE,
      perDay: null,
    });
    if (!decision.allowed) {
      this.blocked.set(group, this.now() + decision.retryAfterSeconds * 1_000);
    }
  }
}
