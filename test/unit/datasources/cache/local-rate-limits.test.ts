import pino from 'pino';
import {
  LocalRateLimits,
  MAX_RATE_SUBJECTS,
} from '../../../../src/datasources/cache/local-rate-limits';
import { RateLimiter } from '../../../../src/datasources/cache/rate-limiter';

const limits = { perMinute: 10, perDay: 3 };

describe('LocalRateLimits (bounded in-process state)', () => {
  it('never remembers more than MAX_RATE_SUBJECTS subjects, however many addresses call', () => {
    let now = Date.parse('2026-11-20T12:00:00Z');
    const limiter = new RateLimiter(null, pino({ level: 'silent' }), () => now);
    for (let i = 0; i < MAX_RATE_SUBJECTS + 20_000; i += 1) {
      limiter.consume(`ip:10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, limits);
      if (i % 1_000 === 0) now += 1;
    }
    expect(limiter.localSubjects).toBe(MAX_RATE_SUBJECTS);
  });

  it('evicts the subject used least recently, keeping the counts of a busy one', () => {
    let now = Date.parse('2026-11-20T12:00:00Z');
    const store = new LocalRateLimits(3);
    for (let i = 0; i < 3; i += 1)
      expect(store.consume('key:busy', limits, now).allowed).toBe(true);
    // A flood of new subjects, the busy key calling between them (re-inserted each second).
    for (let i = 0; i < 50; i += 1) {
      now += 1_000;
      store.consume(`ip:flood-${i}`, limits, now);
      const busy = store.consume('key:busy', limits, now);
      expect(busy).toMatchObject({ allowed: false, dayRemaining: 0 });
    }
    expect(store.size).toBe(3);
  });

  it('forgets subjects whose minute and day have both passed, a few per new subject', () => {
    let now = Date.parse('2026-11-20T23:59:00Z');
    const store = new LocalRateLimits(1_000);
    for (let i = 0; i < 100; i += 1) store.consume(`ip:yesterday-${i}`, limits, now);
    expect(store.size).toBe(100);
    now = Date.parse('2026-11-21T00:01:00Z');
    for (let i = 0; i < 20; i += 1) store.consume(`ip:today-${i}`, limits, now);
    // 8 expired subjects are swept per insertion: all 100 are gone after 13 of them.
    expect(store.size).toBe(20);
  });

  it('keeps a subject idle for a minute while its day still counts (no day-limit reset)', () => {
    let now = Date.parse('2026-11-20T10:00:00Z');
    const store = new LocalRateLimits(1_000);
    for (let i = 0; i < 3; i += 1) store.consume('key:a', limits, now);
    now += 5 * 60_000;
    for (let i = 0; i < 100; i += 1) store.consume(`ip:other-${i}`, limits, now);
    expect(store.consume('key:a', limits, now)).toMatchObject({ allowed: false, dayRemaining: 0 });
    now = Date.parse('2026-11-21T00:00:00Z');
    expect(store.consume('key:a', limits, now)).toMatchObject({ allowed: true, dayRemaining: 2 });
  });

  it('forgets a subject without a day limit once its minute has passed', () => {
    let now = Date.parse('2026-11-20T10:00:00Z');
    const store = new LocalRateLimits(1_000);
    for (let i = 0; i < 50; i += 1) {
      store.consume(`keylookup:10.0.${i}.0`, { perMinute: 60, perDay: null }, now);
    }
    now += 60_001;
    for (let i = 0; i < 10; i += 1) store.consume(`ip:later-${i}`, limits, now);
    expect(store.size).toBe(10);
  });
});
