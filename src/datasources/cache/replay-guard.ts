import type Redis from 'ioredis';
import { sharedOrLocal } from './shared-state';
import type { ReplayGuard } from '../../services/auth.service';

/**
 * Most signatures one process remembers without Redis. Only requests that passed the
 * rate limit and a signature check are remembered, so this is many minutes of the
 * busiest signing keys; past it, the oldest is forgotten early (a replay of that one
 * would no longer be caught here: use Redis for more).
 */
export const MAX_REMEMBERED_SIGNATURES = 100_000;

/** Seen signatures in Redis (shared by replicas): SET NX with a TTL. */
export class RedisReplayGuard implements ReplayGuard {
  constructor(private readonly redis: Redis) {}

  async firstSeen(signature: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(`sig:${signature}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async remembers(signature: string): Promise<boolean> {
    return (await this.redis.exists(`sig:${signature}`)) === 1;
  }
}

/**
 * Seen signatures in this process (one replica, no Redis), in the order they were
 * seen: with one TTL for all, that is the order they expire in, so the expired ones are
 * dropped from the front, O(1) amortised, and the cap evicts the oldest.
 */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly max = MAX_REMEMBERED_SIGNATURES,
  ) {}

  /** Signatures remembered now. */
  get size(): number {
    return this.seen.size;
  }

  async firstSeen(signature: string, ttlSeconds: number): Promise<boolean> {
    const now = this.now();
    for (const [key, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(key);
    }
    const until = this.seen.get(signature);
    if (until !== undefined && until > now) return false;
    if (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(signature, now + ttlSeconds * 1_000);
    return true;
  }

  async remembers(signature: string): Promise<boolean> {
    return (this.seen.get(signature) ?? 0) > this.now();
  }
}

/**
 * Seen signatures across replicas through Redis, and in this process while Redis fails:
 * a signed request is checked (against this replica's memory) rather than refused or
 * failed for want of the shared set. A replay sent to another replica during the outage
 * is the one it cannot catch.
 */
export class SharedReplayGuard implements ReplayGuard {
  readonly firstSeen: ReplayGuard['firstSeen'];
  readonly remembers: ReplayGuard['remembers'];

  constructor(redis: Redis, local = new MemoryReplayGuard()) {
    const shared = new RedisReplayGuard(redis);
    this.firstSeen = sharedOrLocal(shared.firstSeen.bind(shared), local.firstSeen.bind(local));
    this.remembers = sharedOrLocal(shared.remembers.bind(shared), local.remembers.bind(local));
  }
}
