import type Redis from 'ioredis';
import type { ReplayGuard } from '../../services/auth.service';

/** Seen signatures in Redis (shared by replicas): SET NX with a TTL. */
export class RedisReplayGuard implements ReplayGuard {
  constructor(private readonly redis: Redis) {}

  async firstSeen(signature: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(`sig:${signature}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }
}

/** Seen signatures in this process (one replica, no Redis). */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();

  async firstSeen(signature: string, ttlSeconds: number): Promise<boolean> {
    const now = Date.now();
    if (this.seen.size > 100_000) {
      for (const [key, until] of this.seen) if (until <= now) this.seen.delete(key);
    }
    const until = this.seen.get(signature);
    if (until !== undefined && until > now) return false;
    this.seen.set(signature, now + ttlSeconds * 1_000);
    return true;
  }
}
