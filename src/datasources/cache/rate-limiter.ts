import type Redis from 'ioredis';
import type { Logger } from '../../observability/logger';

import {
  dayStamp,
  LocalRateLimits,
  msToUtcMidnight,
  rateDecision,
  type RateDecision,
  type RequestLimits,
} from './local-rate-limits';

export type { RateDecision, RequestLimits } from './local-rate-limits';

// KEYS[1] minute log (sorted set), KEYS[2] day counter. ARGV: perMinute, perDay (-1 =
// unlimited), member, msToMidnight. All-or-nothing on Redis' own clock: a refused
// request counts in neither window.
const CONSUME_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local perMinute = tonumber(ARGV[1])
local perDay = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
local used = redis.call('ZCARD', KEYS[1])
local day = tonumber(redis.call('GET', KEYS[2]) or '0')
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local reset = 0
if oldest[2] then reset = tonumber(oldest[2]) + 60000 - now end
if used >= perMinute then return {0, used, day, reset, 0} end
if perDay >= 0 and day >= perDay then return {0, used, day, reset, tonumber(ARGV[4])} end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], 60000)
day = redis.call('INCR', KEYS[2])
if day == 1 then redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]) + 60000) end
if reset == 0 then reset = 60000 end
return {1, used + 1, day, reset, 0}
`;

type RedisWithConsume = Redis & {
  yieldflowRateConsume(...args: Array<string | number>): Promise<number[]>;
};

/**
 * Request limits per subject (an API key, a user, an IP): a rolling minute (a log of
 * the last minute's requests, so never more than the limit in any 60 s) and a UTC day.
 * Exact under concurrency and across replicas on Redis (one Lua script per request);
 * in-process without Redis, and per process if Redis fails (logged once) rather than
 * failing requests.
 */
export class RateLimiter {
  private readonly local = new LocalRateLimits();
  private warned = false;

  constructor(
    private readonly redis: Redis | null,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    if (redis && !('yieldflowRateConsume' in redis)) {
      redis.defineCommand('yieldflowRateConsume', { numberOfKeys: 2, lua: CONSUME_SCRIPT });
    }
  }

  /**
   * Spends one request of `subject`, or refuses it. In-process limits decide at once,
   * without a promise (the HTTP fast path answers a cached request synchronously);
   * limits in Redis take one round trip.
   */
  consume(subject: string, limits: RequestLimits): RateDecision | Promise<RateDecision> {
    return this.redis
      ? this.consumeShared(this.redis as RedisWithConsume, subject, limits)
      : this.consumeLocally(subject, limits);
  }

  private async consumeShared(
    redis: RedisWithConsume,
    subject: string,
    limits: RequestLimits,
  ): Promise<RateDecision> {
    try {
      const now = this.now();
      const [allowed, used, day, resetMs, dayWaitMs] = await redis.yieldflowRateConsume(
        `rl:m:${subject}`,
        `rl:d:${subject}:${dayStamp(now)}`,
        limits.perMinute,
        limits.perDay ?? -1,
        `${now}:${Math.random().toString(36).slice(2)}`,
        msToUtcMidnight(now),
      );
      this.warned = false;
      return rateDecision(limits, allowed === 1, used, day, resetMs, dayWaitMs);
    } catch (error) {
      if (!this.warned) {
        this.logger.warn(
          { err: (error as Error).message },
          'rate limits: Redis failed; per-process limits',
        );
        this.warned = true;
      }
    }
    return this.consumeLocally(subject, limits);
  }

  private consumeLocally(subject: string, limits: RequestLimits): RateDecision {
    return this.local.consume(subject, limits, this.now());
  }

  /** Subjects the in-process limits remember now (bounded: see {@link MAX_RATE_SUBJECTS}). */
  get localSubjects(): number {
    return this.local.size;
  }
}
