import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { RateLimit } from '../../config/env.schema';
import type { Logger } from '../../observability/logger';

/**
 * A provider's call budget: `take()` spends one upstream call if every limit allows it,
 * and answers false (spending nothing) otherwise. It never waits: over budget, the
 * caller moves on to the next provider or to stale cache.
 *
 * Each limit is a token bucket of `limit` tokens whose spent tokens come back exactly
 * `windowMs` after they were spent (a sliding-window log). Unlike a bucket refilled at a
 * steady rate, this never allows more than `limit` calls in any window of `windowMs`,
 * which is how providers count.
 */
export interface UpstreamBudget {
  take(): Promise<boolean>;
}

/** The budget of one process: for a single replica, or when Redis is not configured. */
export class MemoryBudget implements UpstreamBudget {
  private readonly spent: number[][];

  constructor(
    private readonly limits: readonly RateLimit[],
    private readonly now: () => number = Date.now,
  ) {
    this.spent = limits.map(() => []);
  }

  async take(): Promise<boolean> {
    return this.takeSync();
  }

  takeSync(): boolean {
    const now = this.now();
    for (const [i, { limit, windowMs }] of this.limits.entries()) {
      const log = this.spent[i];
      while (log.length > 0 && log[0] <= now - windowMs) log.shift();
      if (log.length >= limit) return false;
    }
    for (const log of this.spent) log.push(now);
    return true;
  }
}

// KEYS: one sorted set per limit. ARGV: member, then limit and window per key.
// Uses the server's clock so that every replica agrees on time. All-or-nothing: a call
// is spent in every window or in none.
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[i * 2])
  local window = tonumber(ARGV[i * 2 + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= limit then return 0 end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[i * 2 + 1]))
end
return 1
`;

type RedisWithTake = Redis & {
  yieldflowBudgetTake(...args: Array<string | number>): Promise<number>;
};

/**
 * The budget shared by every replica through Redis (one atomic Lua script per call).
 * If Redis fails, it falls back to a per-process budget rather than failing calls; the
 * fallback is logged, and the cluster-wide limit then holds per replica only.
 */
export class RedisBudget implements UpstreamBudget {
  private readonly fallback: MemoryBudget;
  private readonly keys: string[];
  private warned = false;

  constructor(
    private readonly redis: Redis,
    name: string,
    private readonly limits: readonly RateLimit[],
    private readonly logger: Logger,
  ) {
    this.fallback = new MemoryBudget(limits);
    this.keys = limits.map(({ limit, windowMs }) => `budget:${name}:${limit}:${windowMs}`);
    if (!('yieldflowBudgetTake' in redis)) {
      redis.defineCommand('yieldflowBudgetTake', { lua: TAKE_SCRIPT });
    }
  }

  async take(): Promise<boolean> {
    if (this.limits.length === 0) return true;
    const args = this.limits.flatMap(({ limit, windowMs }) => [limit, windowMs]);
    try {
      const allowed = await (this.redis as RedisWithTake).yieldflowBudgetTake(
        this.keys.length,
        ...this.keys,
        randomUUID(),
        ...args,
      );
      this.warned = false;
      return allowed === 1;
    } catch (error) {
      if (!this.warned) {
        this.logger.warn(
          { err: (error as Error).message },
          'upstream budget: Redis failed; per-process budget',
        );
        this.warned = true;
      }
      return this.fallback.takeSync();
    }
  }
}

/** An unlimited budget (the simulator). */
export const UNLIMITED: UpstreamBudget = { take: async () => true };
