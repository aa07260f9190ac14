import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

const TTL_MS = 30_000;
const HEARTBEAT_MS = 10_000;

// KEYS[1] the subject's set. ARGV: now, limit, member, expiry. Atomic: never more than
// `limit` live members, on Redis' own data.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ${TTL_MS * 2})
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

  constructor(private readonly redis: Redis | null) {
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
    const ok = await redis.yieldflowConnAcquire(key, now, limit, member, now + TTL_MS);
    if (ok !== 1) return null;
    const heartbeat = setInterval(() => {
      void redis.zadd(key, Date.now() + TTL_MS, member).catch(() => 0);
    }, HEARTBEAT_MS);
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
