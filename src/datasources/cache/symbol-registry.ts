import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { removeWhenAnswered, sharedOrLocal } from './shared-state';

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

/** Distinct symbols subscribed per subject, limited; one implementation per store. */
export interface SymbolHolds {
  acquire(subject: string, symbols: readonly string[], limit: number): Promise<SymbolAcquisition>;
}

/** Symbols held in this process alone. */
export class LocalSymbolHolds implements SymbolHolds {
  private readonly held = new Map<string, Map<string, Set<string>>>();

  async acquire(
    subject: string,
    symbols: readonly string[],
    limit: number,
  ): Promise<SymbolAcquisition> {
    const holder = randomUUID();
    const holders = this.held.get(subject) ?? new Map<string, Set<string>>();
    const distinct = new Set([...holders.values()].flatMap((set) => [...set]));
    const held = distinct.size;
    for (const symbol of symbols) distinct.add(symbol);
    if (distinct.size > limit) return { ok: false, held };
    holders.set(holder, new Set(symbols));
    this.held.set(subject, holders);
    return {
      ok: true,
      hold: {
        release: () => {
          holders.delete(holder);
          if (holders.size === 0 && this.held.get(subject) === holders) this.held.delete(subject);
        },
      },
    };
  }
}

/**
 * Symbols held on every replica: a Redis sorted set of (subscription, symbol) members
 * renewed every 10 s, so that a replica that dies frees them within 30 s. Rejects when
 * Redis does not answer.
 */
export class RedisSymbolHolds implements SymbolHolds {
  private readonly ttlMs: number;
  private readonly heartbeatMs: number;

  /** `timing` is for tests: a member's life and how often it is renewed. */
  constructor(
    private readonly redis: Redis,
    timing: { ttlMs?: number; heartbeatMs?: number } = {},
  ) {
    this.ttlMs = timing.ttlMs ?? TTL_MS;
    this.heartbeatMs = timing.heartbeatMs ?? HEARTBEAT_MS;
    if (!('yieldflowSymbolsAcquire' in redis)) {
      redis.defineCommand('yieldflowSymbolsAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    }
  }

  async acquire(
    subject: string,
    symbols: readonly string[],
    limit: number,
  ): Promise<SymbolAcquisition> {
    const redis = this.redis as RedisWithAcquire;
    const holder = randomUUID();
    const key = `ws:symbols:${subject}`;
    const now = Date.now();
    const ttl = this.ttlMs;
    const members = symbols.map((symbol) => `${holder} ${symbol}`);
    let ok: number;
    let count: number;
    try {
      [ok, count] = await redis.yieldflowSymbolsAcquire(
        key,
        now,
        limit,
        now + ttl,
        holder,
        ttl * 2,
        ...symbols,
      );
    } catch (error) {
      // A command that timed out may still run when Redis answers again: its members
      // must not count against the subject until they expire.
      removeWhenAnswered(this.redis, key, members, now + ttl);
      throw error;
    }
    if (ok !== 1) return { ok: false, held: count };
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

/**
 * Distinct symbols subscribed per subject (API key, or user for access tokens), over
 * all its subscriptions, limited by the plan: on every replica through Redis when there
 * is one, else in this process. While Redis fails the limit holds per replica, and no
 * subscription is refused for it.
 */
export class SymbolRegistry implements SymbolHolds {
  readonly acquire: SymbolHolds['acquire'];

  /** `timing` is for tests: a member's life and how often it is renewed. */
  constructor(redis: Redis | null, timing: { ttlMs?: number; heartbeatMs?: number } = {}) {
    const local = new LocalSymbolHolds();
    const shared = redis ? new RedisSymbolHolds(redis, timing) : null;
    this.acquire = sharedOrLocal(shared && shared.acquire.bind(shared), local.acquire.bind(local));
  }
}
