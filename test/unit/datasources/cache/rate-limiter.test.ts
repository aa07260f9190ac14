import pino from 'pino';
import { RateLimiter } from '../../../../src/datasources/cache/rate-limiter';

describe('RateLimiter (in-process)', () => {
  it('allows exactly the limit in any rolling minute, and frees each slot 60 s after its request', async () => {
    let now = Date.parse('2026-11-20T12:00:00Z');
    const limiter = new RateLimiter(null, pino({ level: 'silent' }), () => now);
    const limits = { perMinute: 3, perDay: null };
    const allowed = async () => (await limiter.consume('key:a', limits)).allowed;
    expect(await allowed()).toBe(true); // t = 0
    now += 20_000;
    expect(await allowed()).toBe(true); // t = 20 s
    expect(await allowed()).toBe(true); // t = 20 s
    expect(await allowed()).toBe(false);
    const refused = await limiter.consume('key:a', limits);
    expect(refused.retryAfterSeconds).toBe(40);
    now += 40_000; // t = 60 s: the first request's slot is free, not the others'
    expect(await allowed()).toBe(true);
    expect(await allowed()).toBe(false);
    now += 20_000; // t = 80 s: both of t = 20 s are free
    expect(await allowed()).toBe(true);
    expect(await allowed()).toBe(true);
    expect(await allowed()).toBe(false);
    // Another subject has its own minute.
    expect((await limiter.consume('key:b', limits)).allowed).toBe(true);
  });

  it('stays exact over a long run with a high limit', async () => {
    let now = 0;
    const limiter = new RateLimiter(null, pino({ level: 'silent' }), () => now);
    const limits = { perMinute: 5_000, perDay: null };
    let granted = 0;
    // 100 requests every 100 ms for 3 minutes: 60,000 per minute offered, 5,000 allowed.
    for (let step = 0; step < 1_800; step += 1) {
      for (let i = 0; i < 100; i += 1)
        if ((await limiter.consume('key:x', limits)).allowed) granted += 1;
      now += 100;
    }
    expect(granted).toBe(15_000);
  });

  it('decides in-process limits without a promise (the HTTP fast path relies on it)', () => {
    const limiter = new RateLimiter(null, pino({ level: 'silent' }), () => 0);
    const decision = limiter.consume('key:sync', { perMinute: 1, perDay: 5 });
    expect(decision).not.toBeInstanceOf(Promise);
    expect(decision).toMatchObject({ allowed: true, remaining: 0, dayRemaining: 4 });
  });
});
