import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { removeWhenAnswered, sharedOrLocal } from './shared-state';

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

/** Open WebSocket connections per subject, limited; one implementation per store. */
export interface ConnectionSlots {
  /** A slot, or null when the subject already holds `limit` connections. */
  acquire(subject: string, limit: number): Promise<ConnectionSlot | null>;
}

/** Connection slots of this process alone. */
export class LocalConnectionSlots implements ConnectionSlots {
  private readonly held = new Map<string, number>();

  async acquire(subject: string, limit: number): Promise<ConnectionSlot | null> {
    const held = this.held.get(subject) ?? 0;
    if (held >= limit) return null;
    this.held.set(subject, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.held.get(subject) ?? 1) - 1;
        if (left <= 0) this.held.delete(subject);
        else this.held.set(subject, left);
      },
    };
  }
}

/**
 * Connection slots of every replica: a Redis sorted set of live connections whose
 * members are renewed every 10 s, so that a replica that dies frees its slots within
 * 30 s. Rejects when Redis does not answer.
 */
export class RedisConnectionSlots implements ConnectionSlots {
  private readonly ttlMs: number;
  private readonly heartbeatMs: number;

  /** `timing` is for tests: a member's life and how often it is renewed. */
  constructor(
    private readonly redis: Redis,
    timing: { ttlMs?: number; heartbeatMs?: number } = {},
  ) {
    this.ttlMs = timing.ttlMs ?? TTL_MS;
    this.heartbeatMs = timing.heartbeatMs ?? HEARTBEAT_MS;
    if (!('yieldflowConnAcquire' in redis)) {
      redis.defineCommand('yieldflowConnAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    }
  }

  async acquire(subject: string, limit: number): Promise<ConnectionSlot | null> {
    const redis = this.redis as RedisWithAcquire;
    const key = `ws:conns:${subject}`;
    const member = randomUUID();
    const now = Date.now();
    const ttl = this.ttlMs;
    let ok: number;
    try {
      ok = await redis.yieldflowConnAcquire(key, now, limit, member, now + ttl, ttl * 2);
    } catch (error) {
      // A command that timed out may still run when Redis answers again (a stall holds
      // it, then delivers it): its slot must not count against the subject for 30 s.
      removeWhenAnswered(this.redis, key, [member], now + ttl);
      throw error;
    }
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

/**
 * Open WebSocket connections per subject (API key or user), limited by the plan: across
 * replicas through Redis when there is one, else in this process. While Redis fails
 * (down, or stalled past its command timeout) the limit holds per replica: a socket is
 * never refused, nor held open waiting, because the shared count cannot be read.
 */
export class ConnectionRegistry implements ConnectionSlots {
  readonly acquire: ConnectionSlots['acquire'];

  /** `timing` is for tests: a member's life and how often it is renewed. */
  constructor(redis: Redis | null, timing: { ttlMs?: number; heartbeatMs?: number } = {}) {
    const local = new LocalConnectionSlots();
    const shared = redis ? new RedisConnectionSlots(redis, timing) : null;
    this.acquire = sharedOrLocal(shared && shared.acquire.bind(shared), local.acquire.bind(local));
  }
}
