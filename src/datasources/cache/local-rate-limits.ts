/** What one request may spend: a rolling minute and a UTC day (null = unlimited). */
export interface RequestLimits {
  perMinute: number;
  perDay: number | null;
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
}

/**
 * Most subjects (keys, users, addresses) the in-process limiter remembers. Anonymous
 * callers are keyed by address, so anyone can add subjects; past this many the one
 * used least recently is forgotten (its counts start again).
 */
export const MAX_RATE_SUBJECTS = 100_000;

const MINUTE_MS = 60_000;
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
 * One subject: the milliseconds of the last minute that saw requests and how many each
 * (a busy key sends many in one ms), oldest first from `head`, their total, and the
 * requests of its UTC day.
 */
interface Subject {
  times: number[];
  counts: number[];
  head: number;
  total: number;
  day: string;
  dayUsed: number;
  /** Whether its last request had a day limit (else only the minute keeps it). */
  dayLimited: boolean;
  lastAt: number;
  movedAt: number;
}

/**
 * The in-process rate-limit state: one entry per subject, in least-recently-used order.
 * A subject expires once both its windows have passed (no request in the last minute,
 * and none this UTC day unless it has no day limit) and is swept a few at a time when subjects are re-inserted, so
 * that the work stays O(1) per request; past {@link MAX_RATE_SUBJECTS} the least
 * recently used is evicted. Decisions are synchronous.
 */
export class LocalRateLimits {
  private readonly subjects = new Map<string, Subject>();

  constructor(private readonly maxSubjects = MAX_RATE_SUBJECTS) {}

  /** Subjects remembered now. */
  get size(): number {
    return this.subjects.size;
  }

  /** Spends one request of `subject` at `now`, or refuses it. */
  consume(subject: string, limits: RequestLimits, now: number): RateDecision {
    const today = dayStamp(now);
    let state = this.subjects.get(subject);
    if (!state) {
      state = {
        times: [],
        counts: [],
        head: 0,
        total: 0,
        day: today,
        dayUsed: 0,
        dayLimited: false,
        lastAt: 0,
        movedAt: now,
      };
      this.insert(subject, state, now);
    } else if (now - state.movedAt >= RECENCY_MS) {
      this.subjects.delete(subject);
      state.movedAt = now;
      this.insert(subject, state, now);
    }
    if (state.day !== today) {
      state.day = today;
      state.dayUsed = 0;
    }
    // Times only grow: the expired ones are at the front. O(1) amortised per request,
    // however high the limit.
    while (state.head < state.times.length && state.times[state.head] <= now - MINUTE_MS) {
      state.total -= state.counts[state.head];
      state.head += 1;
    }
    if (state.head > 1_024 && state.head * 2 > state.times.length) {
      state.times = state.times.slice(state.head);
      state.counts = state.counts.slice(state.head);
      state.head = 0;
    }
    const inMinute = state.total;
    const day = state.dayUsed;
    const resetMs = inMinute > 0 ? state.times[state.head] + MINUTE_MS - now : 0;
    if (inMinute >= limits.perMinute) {
      return rateDecision(limits, false, inMinute, day, resetMs, 0);
    }
    if (limits.perDay !== null && day >= limits.perDay) {
      return rateDecision(limits, false, inMinute, day, resetMs, msToUtcMidnight(now));
    }
    const last = state.times.length - 1;
    if (last >= state.head && state.times[last] === now) state.counts[last] += 1;
    else {
      state.times.push(now);
      state.counts.push(1);
    }
    state.total += 1;
    state.dayUsed = day + 1;
    state.dayLimited = limits.perDay !== null;
    state.lastAt = now;
    return rateDecision(limits, true, inMinute + 1, day + 1, resetMs || MINUTE_MS, 0);
  }

  private insert(subject: string, state: Subject, now: number): void {
    this.sweep(now);
    if (this.subjects.size >= this.maxSubjects) {
      this.subjects.delete(this.subjects.keys().next().value!);
    }
    this.subjects.set(subject, state);
  }

  // The front of the map is the least recently used: forget the subjects there whose
  // windows have both passed, stopping at the first still counting.
  private sweep(now: number): void {
    const today = dayStamp(now);
    let looked = 0;
    for (const [subject, state] of this.subjects) {
      if (looked++ >= SWEEP_STEP) return;
      const dayCounts = state.dayLimited && state.day === today && state.dayUsed > 0;
      if (state.lastAt > now - MINUTE_MS || dayCounts) return;
      this.subjects.delete(subject);
    }
  }
}

/** A decision with its headers' values, from the counts of both windows. */
export function rateDecision(
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
