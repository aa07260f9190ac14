import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

const TTL_MS = 30_000;
const HEARTBEAT_MS = 10_000;

// KEYS[1] the subject's sorted set of "<holder> <symbol>" members scored by expiry.
// ARGV: now, limit, expiry, holder, the set's TTL, symbols... Atomic: the distinct symbols of every
// live holder, with the new ones, never exceed `limit`. Answers {1, distinct} or
// {0, distinct before}.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local distinct = {}
local count = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local symbol = string.match(member, ' (.*)$')
  if not distinct[symbol] then distinct[symbol] = true; count = count + 1 end
end
local before = count
for i = 6, #ARGV do
  if not distinct[ARGV[i]] then distinct[ARGV[i]] = true; count = count + 1 end
end
if count > tonumber(ARGV[2]) then return {0, before} end
for i = 6, #ARGV do redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4] .. ' ' .. ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, count}
`;

type RedisWithAcquire = Redis & {
  yieldflowSymbolsAcquire(key: string, ...args: Array<string | number>): Promise<[number, number]>;
};

/** Symbols held by one subscription; release them when it ends. */
export interface SymbolHold {
  release(): void;
}

/** The outcome of {@link SymbolRegistry.acquire}. */
export type SymbolAcquisition =
  | { ok: true; hold: SymbolHold }
  | { ok: false; /** Distinct symbols the subject already holds. */ held: number };

/**
 * Distinct symbols subscribed per subject (API key, or user for access tokens), over
 * all its subscriptions on every replica, limited by the plan: a Redis sorted set of
 * (subscription, symbol) members renewed every 10 s, so that a replica that dies frees
 * them within 30 s. In-process without Redis.
 */
export class SymbolRegistry {
  private readonly local = new Map<string, Map<string, Set<string>>>();
  private readonly ttlMs: number;
  private readonly heartbeatMs: number;

  /** `timing` is for tests: a member's life and how often it is renewed. */
  constructor(
    private readonly redis: Redis | null,
    timing: { ttlMs?: number; heartbeatMs?: number } = {},
  ) {
    this.ttlMs = timing.ttlMs ?? TTL_MS;
    this.heartbeatMs = timing.heartbeatMs ?? HEARTBEAT_MS;
    if (redis && !('yieldflowSymbolsAcquire' in redis)) {
      redis.defineCommand('yieldflowSymbolsAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    }
  }

  async acquire(
    subject: string,
    symbols: readonly string[],
    limit: number,
  ): Promise<SymbolAcquisition> {
    const holder = randomUUID();
    return this.redis
      ? this.acquireShared(subject, holder, symbols, limit)
      : this.acquireLocal(subject, holder, symbols, limit);
  }

  private acquireLocal(
    subject: string,
    holder: string,
    symbols: readonly string[],
    limit: number,
  ): SymbolAcquisition {
    const holders = this.local.get(subject) ?? new Map<string, Set<string>>();
    const distinct = new Set([...holders.values()].flatMap((set) => [...set]));
    const held = distinct.size;
    for (const symbol of symbols) distinct.add(symbol);
    if (distinct.size > limit) return { ok: false, held };
    holders.set(holder, new Set(symbols));
    this.local.set(subject, holders);
    return {
      ok: true,
      hold: {
        release: () => {
          holders.delete(holder);
          if (holders.size === 0 && this.local.get(subject) === holders) this.local.delete(subject);
        },
      },
    };
  }

  private async acquireShared(
    subject: string,
    holder: string,
    symbols: readonly string[],
    limit: number,
  ): Promise<SymbolAcquisition> {
    const redis = this.redis as RedisWithAcquire;
    const key = `ws:symbols:${subject}`;
    const now = Date.now();
    const ttl = this.ttlMs;
    const [ok, count] = await redis.yieldflowSymbolsAcquire(
      key,
      now,
      limit,
      now + ttl,
      holder,
      ttl * 2,
      ...symbols,
    );
    if (ok !== 1) return { ok: false, held: count };
    const members = symbols.map((symbol) => `${holder} ${symbol}`);
    // The set's own TTL is renewed with the members: a subscription outliving it would
    // otherwise stop counting towards the limit.
    const heartbeat = setInterval(() => {
      const expiry = Date.now() + ttl;
      void redis
        .multi()
        .zadd(key, 'XX', ...members.flatMap((member) => [expiry, member]))
        .pexpire(key, ttl * 2)
        .exec()
        .catch(() => null);
    }, this.heartbeatMs);
    heartbeat.unref();
    let released = false;
    return {
      ok: true,
      hold: {
        release: () => {
          if (released) return;
          released = true;
          clearInterval(heartbeat);
          void redis.zrem(key, ...members).catch(() => 0);
        },
      },
    };
  }
}
