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
 * is refused from memory for {@link UNKNOWN_KEY_TTL_MS}, and lookups of keys not in the
 * key cache are limited per address, so a flood of random keys from one network is
 * answered RATE_LIMITED before it reaches the database.
 */
export class KeyLookupGuard {
  private readonly unknown = new LRUCache<string, true>({
    max: UNKNOWN_KEYS_MAX,
    ttl: UNKNOWN_KEY_TTL_MS,
  });

  constructor(private readonly spend: LookupSpender) {}

  /** True when `hash` was looked up lately and no key had it. */
  isKnownUnknown(hash: string): boolean {
    return this.unknown.has(hash);
  }

  /** Remembers that no key has `hash`. */
  rememberUnknown(hash: string): void {
    this.unknown.set(hash, true);
  }

  /** Spends one lookup of `ip`'s budget; throws RATE_LIMITED past it. */
  async admitLookup(ip: string | undefined): Promise<void> {
    const decision = await this.spend(`keylookup:${addressGroup(ip ?? '')}`, {
      perMinute: KEY_LOOKUPS_PER_MINUTE,
      perDay: null,
    });
    if (!decision.allowed) {
      throw new RateLimitedError(
        `Too many lookups of unknown API keys from this address; retry after ${decision.retryAfterSeconds} s`,
        decision.retryAfterSeconds,
      );
    }
  }
}
