/**
 * What one request may spend of a plan: a rolling minute and a UTC day (null =
 * unlimited), and a burst of extra requests above the minute's rate.
 */
export interface RequestLimits {
  perMinute: number;
  perDay: number | null;
  /** Extra requests allowed past `perMinute` in a minute, refilled evenly over an hour (0 = none). */
  burst?: number;
}

/**
 * One counter a request spends from: a rolling window of `windowMs`, a UTC day and a
 * burst allowance. A request spends from several at once (its account, its key's own
 * sub-limit, a field's limit), all or none.
 */
export interface RateBucket {
  /** Whose counter: `acct:<userId>`, `key:<id>`, `ip:<group>`, `field:<Type.field>:<who>`. */
  subject: string;
  /** Most requests in any rolling window (past it, only the burst allowance admits). */
  limit: number;
  /** The rolling window in milliseconds (60,000 for the plans' per-minute limits). */
  windowMs: number;
  /** Most requests in one UTC day; null = unlimited. */
  perDay: number | null;
  /** Extra requests past `limit` in one window, drawn from an allowance refilled over an hour. */
  burst: number;
}

/** How long the burst allowance takes to refill from empty. */
export const BURST_REFILL_MS = 3_600_000;

/** A plan's limits as the bucket of `subject`. */
export function planBucket(subject: string, limits: RequestLimits): RateBucket {
  return {
    subject,
    limit: limits.perMinute,
    windowMs: 60_000,
    perDay: limits.perDay,
    burst: limits.burst ?? 0,
  };
}

/** The outcome of one rate-limit decision. */
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
  /** Extra requests the burst allowance admits now (0 without one). */
  burstRemaining: number;
  /** When refused: the subject of the bucket that refused. */
  refusedBy?: string;
  /** When refused: that bucket's rolling window, in seconds. */
  refusedWindowSeconds?: number;
}

/**
 * Most subjects (keys, users, addresses) the in-process limiter remembers. Anonymous
 * callers are keyed by address, so anyone can add subjects; past this many the one
 * used least recently is forgotten (its counts start again).
 */
export const MAX_RATE_SUBJECTS = 100_000;

const DAY_MS = 86_400_000;
// A subject moves to the back of the eviction order at most once a second: a hot key
// costs one Map re-insertion a second, not one a request.
const RECENCY_MS = 1_000;
// Expired subjects looked at (from the least recently used end) per re-insertion.
const SWEEP_STEP = 8;

/** Milliseconds from `now` to the next UTC midnight. */
export function msToUtcMidnight(now: number): number {
  return DAY_MS - (now % DAY_MS);
}

// The UTC day of a time; the last one is kept (the same string object all day, so
// comparing a subject's day with today is a pointer check).
let lastDay = { start: 0, end: 0, stamp: '' };

/** The UTC day of `now`, `YYYY-MM-DD`. */
export function dayStamp(now: number): string {
  if (now < lastDay.start || now >= lastDay.end) {
    const start = now - (now % DAY_MS);
    lastDay = { start, end: start + DAY_MS, stamp: new Date(start).toISOString().slice(0, 10) };
  }
  return lastDay.stamp;
}

/**
 * One subject: the milliseconds of the last window that saw requests and how many each
 * (a busy key sends many in one ms), oldest first from `head`, their total, the
 * requests of its UTC day, and its burst allowance as of `burstAt`.
 */
interface Subject {
  times: number[];
  counts: number[];
  head: number;
  total: number;
  windowMs: number;
  day: string;
  dayUsed: number;
  /** Whether its last request had a day limit (else only the window keeps it). */
  dayLimited: boolean;
  burst: number;
  burstTokens: number;
  burstAt: number;
  lastAt: number;
  movedAt: number;
}

/** What a bucket holds at `now`, before the request is counted. */
export interface BucketReading {
  used: number;
  dayUsed: number;
  /** Milliseconds until the oldest request of the window leaves it (0: none in it). */
  resetMs: number;
  /** Milliseconds until the day's limit frees (0 unless the day refused). */
  dayWaitMs: number;
  /** The burst allowance now, fractional. */
  tokens: number;
  allowed: boolean;
  /** Admitted from the burst allowance (past the window's limit). */
  fromBurst: boolean;
}

/**
 * Whether a bucket admits one more request, from its counts: within the window's
 * limit; past it, while the burst allowance has a whole request and the window is under
 * `limit + burst`; and within the day. Shared by the in-process and Redis limits.
 */
export function readBucket(
  bucket: RateBucket,
  used: number,
  dayUsed: number,
  resetMs: number,
  tokens: number,
  msToMidnight: number,
): BucketReading {
  let allowed = true;
  let fromBurst = false;
  if (used >= bucket.limit) {
    fromBurst = bucket.burst > 0 && used < bucket.limit + bucket.burst && tokens >= 1;
    allowed = fromBurst;
  }
  let dayWaitMs = 0;
  if (allowed && bucket.perDay !== null && dayUsed >= bucket.perDay) {
    allowed = false;
    fromBurst = false;
    dayWaitMs = msToMidnight;
  }
  return { used, dayUsed, resetMs, dayWaitMs, tokens, allowed, fromBurst };
}

/** The burst allowance of `burst` refilled from `tokens` at `at` to `now`. */
export function refilled(burst: number, tokens: number, at: number, now: number): number {
  if (burst <= 0) return 0;
  return Math.min(burst, tokens + ((now - at) * burst) / BURST_REFILL_MS);
}

/**
 * The in-process rate-limit state: one entry per subject, in least-recently-used order.
 * A subject expires once both its windows have passed (no request in its window, and
 * none this UTC day unless it has no day limit) and is swept a few at a time when
 * subjects are re-inserted, so that the work stays O(1) per request; past
 * {@link MAX_RATE_SUBJECTS} the least recently used is evicted (its burst allowance
 * starts full again). Decisions are synchronous.
 */
export class LocalRateLimits {
  private readonly subjects = new Map<string, Subject>();

  constructor(private readonly maxSubjects = MAX_RATE_SUBJECTS) {}

  /** Subjects remembered now. */
  get size(): number {
    return this.subjects.size;
  }

  /** Spends one request of `subject`'s plan limits at `now`, or refuses it. */
  consume(subject: string, limits: RequestLimits, now: number): RateDecision {
    return this.consumeAll([planBucket(subject, limits)], now);
  }

  /** Spends one request from every bucket at `now`, or from none; with `peek`, from none. */
  consumeAll(buckets: readonly RateBucket[], now: number, peek = false): RateDecision {
    const toMidnight = msToUtcMidnight(now);
    // Swept before any state is taken: a sweep during the call could forget a subject
    // this very request is about to count.
    for (const bucket of buckets) if (!this.subjects.has(bucket.subject)) this.sweep(now);
    const states = buckets.map((bucket) => this.subject(bucket, now));
    const readings = buckets.map((bucket, i) => {
      const state = states[i];
      return readBucket(
        bucket,
        state.total,
        state.dayUsed,
        state.total > 0 ? state.times[state.head] + state.windowMs - now : 0,
        refilled(bucket.burst, state.burstTokens, state.burstAt, now),
        toMidnight,
      );
    });
    const allowed = readings.every((reading) => reading.allowed);
    if (allowed && !peek) {
      buckets.forEach((bucket, i) => this.count(states[i], bucket, readings[i], now));
    }
    return combinedDecision(buckets, readings, allowed, peek);
  }

  // The subject's state at `now`: its window and day brought up to date.
  private subject(bucket: RateBucket, now: number): Subject {
    const today = dayStamp(now);
    let state = this.subjects.get(bucket.subject);
    if (!state) {
      state = {
        times: [],
        counts: [],
        head: 0,
        total: 0,
        windowMs: bucket.windowMs,
        day: today,
        dayUsed: 0,
        dayLimited: false,
        burst: bucket.burst,
        burstTokens: bucket.burst,
        burstAt: now,
        lastAt: 0,
        movedAt: now,
      };
      this.insert(bucket.subject, state);
    } else if (now - state.movedAt >= RECENCY_MS) {
      this.subjects.delete(bucket.subject);
      state.movedAt = now;
      this.insert(bucket.subject, state);
    }
    state.windowMs = bucket.windowMs;
    state.burst = bucket.burst;
    if (state.day !== today) {
      state.day = today;
      state.dayUsed = 0;
    }
    // Times only grow: the expired ones are at the front. O(1) amortised per request,
    // however high the limit.
    while (state.head < state.times.length && state.times[state.head] <= now - state.windowMs) {
      state.total -= state.counts[state.head];
      state.head += 1;
    }
    if (state.head > 1_024 && state.head * 2 > state.times.length) {
      state.times = state.times.slice(state.head);
      state.counts = state.counts.slice(state.head);
      state.head = 0;
    }
    return state;
  }

  private count(state: Subject, bucket: RateBucket, reading: BucketReading, now: number): void {
    const last = state.times.length - 1;
    if (last >= state.head && state.times[last] === now) state.counts[last] += 1;
    else {
      state.times.push(now);
      state.counts.push(1);
    }
    state.total += 1;
    state.dayUsed += 1;
    state.dayLimited = bucket.perDay !== null;
    state.burstTokens = reading.tokens - (reading.fromBurst ? 1 : 0);
    state.burstAt = now;
    state.lastAt = now;
  }

  private insert(subject: string, state: Subject): void {
    if (this.subjects.size >= this.maxSubjects) {
      this.subjects.delete(this.subjects.keys().next().value!);
    }
    this.subjects.set(subject, state);
  }

  // The front of the map is the least recently used: forget the subjects there whose
  // windows have passed, stopping at the first still counting (its window, its day, or
  // a burst allowance not yet refilled: forgetting it would hand out a full one).
  private sweep(now: number): void {
    const today = dayStamp(now);
    let looked = 0;
    for (const [subject, state] of this.subjects) {
      if (looked++ >= SWEEP_STEP) return;
      const dayCounts = state.dayLimited && state.day === today && state.dayUsed > 0;
      const refilling = refilled(state.burst, state.burstTokens, state.burstAt, now) < state.burst;
      if (state.lastAt > now - state.windowMs || dayCounts || refilling) return;
      this.subjects.delete(subject);
    }
  }
}

/**
 * One decision for a request that spent (or was refused) from several buckets: allowed
 * only if every one admitted; the headers describe the bucket with the fewest requests
 * left (the one that refused, when one did).
 */
export function combinedDecision(
  buckets: readonly RateBucket[],
  readings: readonly BucketReading[],
  allowed: boolean,
  peek = false,
): RateDecision {
  let chosen: RateDecision | undefined;
  let refused: RateDecision | undefined;
  // The day and the burst allowance are reported as the tightest of the buckets having one.
  let dayRemaining: number | null = null;
  let burstRemaining = Number.POSITIVE_INFINITY;
  for (let i = 0; i < buckets.length; i += 1) {
    const { used, dayUsed, resetMs, dayWaitMs, tokens } = readings[i];
    const spent = allowed && !peek ? 1 : 0;
    const decision = rateDecision(
      { perMinute: buckets[i].limit, perDay: buckets[i].perDay },
      allowed,
      used + spent,
      dayUsed + spent,
      spent ? resetMs || buckets[i].windowMs : resetMs,
      dayWaitMs,
      Math.floor(tokens - (spent && readings[i].fromBurst ? 1 : 0)),
    );
    if (decision.dayRemaining !== null) {
      dayRemaining = Math.min(dayRemaining ?? decision.dayRemaining, decision.dayRemaining);
    }
    if (buckets[i].burst > 0) burstRemaining = Math.min(burstRemaining, decision.burstRemaining);
    if (!allowed && !readings[i].allowed && !refused) {
      refused = {
        ...decision,
        allowed: false,
        refusedBy: buckets[i].subject,
        refusedWindowSeconds: buckets[i].windowMs / 1_000,
      };
    }
    if (!chosen || decision.remaining < chosen.remaining) chosen = decision;
  }
  const decided = refused ?? chosen!;
  return {
    ...decided,
    dayRemaining,
    burstRemaining: burstRemaining === Number.POSITIVE_INFINITY ? 0 : burstRemaining,
  };
}

/** A decision with its headers' values, from the counts of both windows. */
export function rateDecision(
  limits: RequestLimits,
  allowed: boolean,
  usedMinute: number,
  usedDay: number,
  resetMs: number,
  dayWaitMs: number,
  burstRemaining = 0,
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
    burstRemaining: Math.max(0, burstRemaining),
  };
}
