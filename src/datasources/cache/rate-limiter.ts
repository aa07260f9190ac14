import type Redis from 'ioredis';
import type { Logger } from '../../observability/logger';

/** What one request may spend: a rolling minute and a UTC day (null = unlimited). */
export interface RequestLimits {
  perMinute: number;
  perDay: number | null;
}

/** The outcome of one {@link RateLimiter.consume}. */
export interface RateDecision {
  allowed: boolean;
  /** X-RateLimit-Limit: the per-minute limit. */
  limit: number;
  /** X-RateLimit-Remaining: requests left in both windows (the smaller). */
  remaining: number;
  /** X-RateLimit-Reset: seconds until the next request would be allowed to count again. */
  resetSeconds: number;
  /** When refused: seconds to wait (Retry-After). */
  retryAfterSeconds: number;
  /** Requests left today (null = unlimited). */
  dayRemaining: number | null;
}

const MINUTE_MS = 60_000;
const SWEEP_AT = 10_000;

function msToUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now;
}

// The UTC day of a time; the last one is kept (a day is 86,400,000 ms of the same stamp).
let lastDay = { start: 0, end: 0, stamp: '' };
function dayStamp(now: number): string {
  if (now < lastDay.start || now >= lastDay.end) {
    const start = now - (now % 86_400_000);
    lastDay = { start, end: start + 86_400_000, stamp: new Date(start).toISOString().slice(0, 10) };
  }
  return lastDay.stamp;
}

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

/**
 * One subject's requests of the last minute, oldest first, from `head` on: the
 * milliseconds that saw requests and how many each (a busy key sends many in one ms),
 * and their total.
 */
interface MinuteLog {
  times: number[];
  counts: number[];
  head: number;
  total: number;
}

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
  private readonly minuteLog = new Map<string, MinuteLog>();
  private readonly dayCount = new Map<string, number>();
  private warned = false;
  private lastSweep = 0;

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
      return this.decision(limits, allowed === 1, used, day, resetMs, dayWaitMs);
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
    const now = this.now();
    let log = this.minuteLog.get(subject);
    if (!log) {
      log = { times: [], counts: [], head: 0, total: 0 };
      this.minuteLog.set(subject, log);
    }
    // Times only grow: the expired ones are at the front. O(1) amortised per request,
    // however high the limit.
    while (log.head < log.times.length && log.times[log.head] <= now - MINUTE_MS) {
      log.total -= log.counts[log.head];
      log.head += 1;
    }
    if (log.head > 1_024 && log.head * 2 > log.times.length) {
      log.times = log.times.slice(log.head);
      log.counts = log.counts.slice(log.head);
      log.head = 0;
    }
    const inMinute = log.total;
    const dayKey = `${subject}:${dayStamp(now)}`;
    const day = this.dayCount.get(dayKey) ?? 0;
    const resetMs = inMinute > 0 ? log.times[log.head] + MINUTE_MS - now : 0;
    if (inMinute >= limits.perMinute) {
      return this.decision(limits, false, inMinute, day, resetMs, 0);
    }
    if (limits.perDay !== null && day >= limits.perDay) {
      return this.decision(limits, false, inMinute, day, resetMs, msToUtcMidnight(now));
    }
    const last = log.times.length - 1;
    if (last >= log.head && log.times[last] === now) log.counts[last] += 1;
    else {
      log.times.push(now);
      log.counts.push(1);
    }
    log.total += 1;
    this.dayCount.set(dayKey, day + 1);
    this.sweep(now);
    return this.decision(limits, true, inMinute + 1, day + 1, resetMs || MINUTE_MS, 0);
  }

  // At most once a minute, forgets subjects idle for a minute and counters of past days, so that in-process
  // state stays the size of the current traffic (without erasing today's counts).
  private sweep(now: number): void {
    if (this.minuteLog.size + this.dayCount.size < SWEEP_AT) return;
    if (now - this.lastSweep < MINUTE_MS) return;
    this.lastSweep = now;
    for (const [subject, log] of this.minuteLog) {
      if ((log.times[log.times.length - 1] ?? 0) <= now - MINUTE_MS) this.minuteLog.delete(subject);
    }
    const today = dayStamp(now);
    for (const key of this.dayCount.keys()) {
      if (!key.endsWith(`:${today}`)) this.dayCount.delete(key);
    }
  }

  private decision(
    limits: RequestLimits,
    allowed: boolean,
    usedMinute: number,
    usedDay: number,
    resetMs: number,
    dayWaitMs: number,
  ): RateDecision {
    const minuteRemaining = Math.max(0, limits.perMinute - usedMinute);
    const dayRemaining = limits.perDay === null ? null : Math.max(0, limits.perDay - usedDay);
    const resetSeconds = Math.max(1, Math.ceil(resetMs / 1_000));
    return {
      allowed,
      limit: limits.perMinute,
      remaining: dayRemaining === null ? minuteRemaining : Math.min(minuteRemaining, dayRemaining),
      resetSeconds,
      retryAfterSeconds: allowed ? 0 : Math.max(resetSeconds, Math.ceil(dayWaitMs / 1_000)),
      dayRemaining,
    };
  }
}
