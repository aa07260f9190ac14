import type Redis from 'ioredis';
import type { Logger } from '../../observability/logger';

import {
  BURST_REFILL_MS,
  combinedDecision,
  dayStamp,
  LocalRateLimits,
  msToUtcMidnight,
  planBucket,
  readBucket,
  type BucketReading,
  type RateBucket,
  type RateDecision,
  type RequestLimits,
} from './local-rate-limits';

export type { RateBucket, RateDecision, RequestLimits } from './local-rate-limits';
export { planBucket } from './local-rate-limits';

// Three keys per bucket: its window's log (sorted set), its day counter, its burst
// allowance (hash: tokens, at). ARGV: member, ms to midnight, refill ms, 1 to only read
// (count nothing), then per bucket windowMs, limit, perDay (-1 = unlimited), burst. All-or-nothing on Redis' own clock:
// a request refused by any bucket counts in none. Returns the clock, then per bucket:
// used, day, ms until the window's oldest leaves, burst tokens (x1000), before counting.
const CONSUME_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS / 3
local refill = tonumber(ARGV[3])
local out = {now}
local reads = {}
for i = 1, n do
  local log, dayKey, burstKey = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  local a = 4 + (i - 1) * 4
  local windowMs, limit = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local perDay, burst = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  redis.call('ZREMRANGEBYSCORE', log, '-inf', now - windowMs)
  local used = redis.call('ZCARD', log)
  local day = 0
  if perDay >= 0 then day = tonumber(redis.call('GET', dayKey) or '0') end
  local oldest = redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')
  local reset = 0
  if oldest[2] then reset = tonumber(oldest[2]) + windowMs - now end
  local tokens = burst
  if burst > 0 then
    local b = redis.call('HMGET', burstKey, 'tokens', 'at')
    if b[1] then tokens = math.min(burst, tonumber(b[1]) + (now - tonumber(b[2])) * burst / refill) end
  end
  local ok, fromBurst = 1, 0
  if used >= limit then
    if burst > 0 and used < limit + burst and tokens >= 1 then fromBurst = 1 else ok = 0 end
  end
  if ok == 1 and perDay >= 0 and day >= perDay then ok, fromBurst = 0, 0 end
  reads[i] = {ok, fromBurst, tokens, windowMs, perDay, burst}
  table.insert(out, used)
  table.insert(out, day)
  table.insert(out, reset)
  table.insert(out, math.floor(tokens * 1000))
end
if ARGV[4] == '1' then return out end
for i = 1, n do
  if reads[i][1] == 0 then return out end
end
for i = 1, n do
  local log, dayKey, burstKey = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  local r = reads[i]
  redis.call('ZADD', log, now, ARGV[1])
  redis.call('PEXPIRE', log, r[4])
  if r[5] >= 0 then
    if redis.call('INCR', dayKey) == 1 then redis.call('PEXPIRE', dayKey, tonumber(ARGV[2]) + 60000) end
  end
  if r[6] > 0 then
    redis.call('HSET', burstKey, 'tokens', tostring(r[3] - r[2]), 'at', now)
    redis.call('PEXPIRE', burstKey, refill)
  end
end
return out
`;

type RedisWithConsume = Redis & {
  yieldflowRateConsumeAll(keyCount: number, ...args: Array<string | number>): Promise<number[]>;
};

/**
 * Request limits in Redis, exact across replicas: one Lua script per request on
 * Redis' own clock. Rejects when Redis does not answer.
 */
export class RedisRateLimits {
  constructor(
    private readonly redis: Redis,
    private readonly now: () => number = Date.now,
  ) {
    if (!('yieldflowRateConsumeAll' in redis)) {
      redis.defineCommand('yieldflowRateConsumeAll', { lua: CONSUME_SCRIPT });
    }
  }

  /** Spends one request from every bucket, or from none; with `peek`, counts nothing. */
  async consumeAll(buckets: readonly RateBucket[], peek: boolean): Promise<RateDecision> {
    const redis = this.redis as RedisWithConsume;
    const now = this.now();
    const day = dayStamp(now);
    const keys: string[] = [];
    const args: Array<string | number> = [
      `${now}:${Math.random().toString(36).slice(2)}`,
      msToUtcMidnight(now),
      BURST_REFILL_MS,
      peek ? 1 : 0,
    ];
    for (const bucket of buckets) {
      keys.push(
        `rl:w:${bucket.subject}`,
        `rl:d:${bucket.subject}:${day}`,
        `rl:b:${bucket.subject}`,
      );
      args.push(bucket.windowMs, bucket.limit, bucket.perDay ?? -1, bucket.burst);
    }
    const [redisNow, ...counts] = await redis.yieldflowRateConsumeAll(
      keys.length,
      ...keys,
      ...args,
    );
    const toMidnight = msToUtcMidnight(redisNow);
    const readings: BucketReading[] = buckets.map((bucket, i) =>
      readBucket(
        bucket,
        counts[i * 4],
        counts[i * 4 + 1],
        counts[i * 4 + 2],
        counts[i * 4 + 3] / 1_000,
        toMidnight,
      ),
    );
    return combinedDecision(
      buckets,
      readings,
      readings.every((reading) => reading.allowed),
      peek,
    );
  }
}

/**
 * Request limits per subject (an account, an API key's own sub-limit, an address, a
 * field's declared limit): a rolling window (a log of the window's requests, so never
 * more than the limit in any window), a UTC day, and a burst allowance. A request spends
 * from all its buckets or from none. Exact under concurrency and across replicas on
 * Redis ({@link RedisRateLimits}); in-process without Redis ({@link LocalRateLimits}), and
 * per process while Redis fails (logged once) rather than failing requests.
 */
export class RateLimiter {
  private readonly local = new LocalRateLimits();
  private readonly sharedLimits: RedisRateLimits | null;
  private warned = false;

  constructor(
    redis: Redis | null,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.sharedLimits = redis ? new RedisRateLimits(redis, now) : null;
  }

  /**
   * Spends one request of `subject`'s plan limits, or refuses it. In-process limits
   * decide at once, without a promise (the HTTP fast path answers a cached request
   * synchronously); limits in Redis take one round trip.
   */
  consume(subject: string, limits: RequestLimits): RateDecision | Promise<RateDecision> {
    return this.consumeAll([planBucket(subject, limits)]);
  }

  /** Spends one request from every bucket, or from none (see {@link consume}). */
  consumeAll(buckets: readonly RateBucket[]): RateDecision | Promise<RateDecision> {
    return this.sharedLimits
      ? this.sharedOrLocal(this.sharedLimits, buckets, false)
      : this.local.consumeAll(buckets, this.now());
  }

  /**
   * What the buckets would decide for one more request, counting nothing: what is left
   * (`usage.remaining` answers from it, so it says what is enforced).
   */
  async peek(buckets: readonly RateBucket[]): Promise<RateDecision> {
    return this.sharedLimits
      ? this.sharedOrLocal(this.sharedLimits, buckets, true)
      : this.local.consumeAll(buckets, this.now(), true);
  }

  // The one fallback: Redis' decision, or this process' while Redis fails.
  private async sharedOrLocal(
    shared: RedisRateLimits,
    buckets: readonly RateBucket[],
    peek: boolean,
  ): Promise<RateDecision> {
    try {
      const decision = await shared.consumeAll(buckets, peek);
      this.warned = false;
      return decision;
    } catch (error) {
      if (!this.warned) {
        this.logger.warn(
          { err: (error as Error).message },
          'rate limits: Redis failed; per-process limits',
        );
        this.warned = true;
      }
    }
    return this.local.consumeAll(buckets, this.now(), peek);
  }

  /** Subjects the in-process limits remember now (bounded: see {@link MAX_RATE_SUBJECTS}). */
  get localSubjects(): number {
    return this.local.size;
  }
}
