import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

const TTL_MS = 30_000;
const HEARTBEAT_MS = 10_000;

// KEYS[1] the subject's set. ARGV: now, limit, member, expiry, the set's TTL. Atomic:
// never more than `limit` live members, on Redis' own data.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

type RedisWithAcquire = Redis & {
  yieldflowConnAcquire(key: string, ...args: Array<string | number>): Promise<number>;
};

/** A held connection slot; release it when the socket closes. */
export interface ConnectionSlot {
  release(): void;
}

/**
 * Open WebSocket connections per subject (API key or user), limited by the plan across
 * every replica: a Redis sorted set of live connections whose members are renewed every
 * 10 s, so that a replica that dies frees its slots within 30 s. In-process without
 * Redis.
 */
export class ConnectionRegistry {
  private readonly local = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly heartbeatMs: number;

  /** `timing` is for tests: a member's life and how often it is renewed. */
  constructor(
    private readonly redis: Redis | null,
    timing: { ttlMs?: number; heartbeatMs?: number } = {},
  ) {
    this.ttlMs = timing.ttlMs ?? TTL_MS;
    this.heartbeatMs = timing.heartbeatMs ?? HEARTBEAT_MS;
    if (redis && !('yieldflowConnAcquire' in redis)) {
      redis.defineCommand('yieldflowConnAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    }
  }

  /** A slot, or null when the subject already holds `limit` connections. */
  async acquire(subject: string, limit: number): Promise<ConnectionSlot | null> {
    if (!this.redis) {
      const held = this.local.get(subject) ?? 0;
      if (held >= limit) return null;
      this.local.set(subject, held + 1);
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          const left = (this.local.get(subject) ?? 1) - 1;
          if (left <= 0) this.local.delete(subject);
          else this.local.set(subject, left);
        },
      };
    }
    const redis = this.redis as RedisWithAcquire;
    const key = `ws:conns:${subject}`;
    const member = randomUUID();
    const now = Date.now();
    const ttl = this.ttlMs;
    const ok = await redis.yieldflowConnAcquire(key, now, limit, member, now + ttl, ttl * 2);
    if (ok !== 1) return null;
    // The set's own TTL is renewed with the member: a socket outliving it would
    // otherwise stop counting towards the limit.
    const heartbeat = setInterval(() => {
      void redis
        .multi()
        .zadd(key, Date.now() + ttl, member)
        .pexpire(key, ttl * 2)
        .exec()
        .catch(() => null);
    }, this.heartbeatMs);
    heartbeat.unref();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        clearInterval(heartbeat);
        void redis.zrem(key, member).catch(() => 0);
      },
    };
  }
}
