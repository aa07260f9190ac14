import pino from 'pino';
import { RateLimiter, type RateBucket } from '../../../src/datasources/cache/rate-limiter';
import { BURST_REFILL_MS } from '../../../src/datasources/cache/local-rate-limits';
import { createTestRedis } from '../../helpers/redis';
import { waitFor } from '../../helpers/wait';

const logger = pino({ level: 'silent' });
const redis = createTestRedis();

const bucket = (subject: string, limit: number, extra: Partial<RateBucket> = {}): RateBucket => ({
  subject,
  limit,
  windowMs: 60_000,
  perDay: null,
  burst: 0,
  ...extra,
});

/**
 * What both implementations promise (in-process, and Redis shared by replicas): the
 * same decisions for the same requests.
 */
function contract(name: string, make: () => RateLimiter) {
  describe(`rate limits: ${name}`, () => {
    let n = 0;
    const subject = (label: string) => `test:${label}:${Date.now()}:${(n += 1)}`;

    it('admits a burst past the minute, then refuses, and reports what is left', async () => {
      const limiter = make();
      const acct = bucket(subject('burst'), 3, { burst: 2 });
      const decisions = [];
      for (let i = 0; i < 6; i += 1) decisions.push(await limiter.consumeAll([acct]));
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
      expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0, 0, 0]);
      expect(decisions.map((d) => d.burstRemaining)).toEqual([2, 2, 2, 1, 0, 0]);
      expect(decisions[5]).toMatchObject({ limit: 3, refusedBy: acct.subject });
      expect(decisions[5].retryAfterSeconds).toBeGreaterThan(0);
    });

    it('spends from every bucket or from none, and names the one that refused', async () => {
      const limiter = make();
      const tight = bucket(subject('tight'), 1);
      const wide = bucket(subject('wide'), 5, { perDay: 100 });
      expect((await limiter.consumeAll([wide, tight])).allowed).toBe(true);
      const refused = await limiter.consumeAll([wide, tight]);
      expect(refused).toMatchObject({ allowed: false, refusedBy: tight.subject });
      // The refused request counted in neither: the wide bucket has 4 left, not 3.
      expect(await limiter.peek([wide])).toMatchObject({
        allowed: true,
        remaining: 4,
        dayRemaining: 99,
      });
    });

    it('peeks without counting', async () => {
      const limiter = make();
      const only = bucket(subject('peek'), 2);
      for (let i = 0; i < 5; i += 1) {
        expect(await limiter.peek([only])).toMatchObject({ allowed: true, remaining: 2 });
      }
      await limiter.consumeAll([only]);
      await limiter.consumeAll([only]);
      expect(await limiter.peek([only])).toMatchObject({ allowed: false, remaining: 0 });
    });

    it('frees a short window once it has passed (waited on, and measured)', async () => {
      const limiter = make();
      const field = bucket(subject('field'), 2, { windowMs: 400 });
      const started = performance.now();
      await limiter.consumeAll([field]);
      await limiter.consumeAll([field]);
      expect((await limiter.consumeAll([field])).allowed).toBe(false);
      // Redis keeps its own time (TIME in the script), so this window is waited on for real.
      await waitFor(async () => (await limiter.peek([field])).allowed, 2_000, 'the window freed');
      expect(performance.now() - started).toBeGreaterThanOrEqual(350);
      expect((await limiter.consumeAll([field])).allowed).toBe(true);
    });
  });
}

// In-process, on real time (the short-window case waits for it).
contract('in-process', () => new RateLimiter(null, logger));

(redis.url ? describe : describe.skip)('on a real Redis', () => {
  afterAll(() => redis.close());

  contract('Redis', () => new RateLimiter(redis.client(), logger));

  it('holds exactly across replicas under concurrency: the minute, the burst, the sub-limit', async () => {
    const replicas = [
      new RateLimiter(redis.client(), logger),
      new RateLimiter(redis.client(), logger),
    ];
    const account = bucket(`acct:replicas:${Date.now()}`, 20, { burst: 10, perDay: 1_000 });
    const key = bucket(`key:replicas:${Date.now()}`, 40);
    const decisions = await Promise.all(
      Array.from({ length: 80 }, (_, i) => replicas[i % 2].consumeAll([account, key])),
    );
    // The account admits 20 + 10 and refuses first: the key's own 40 is never reached.
    expect(decisions.filter((d) => d.allowed)).toHaveLength(30);
    expect(new Set(decisions.filter((d) => !d.allowed).map((d) => d.refusedBy))).toEqual(
      new Set([account.subject]),
    );
    expect(await replicas[0].peek([key])).toMatchObject({ remaining: 10 });
  });
});

describe('burst allowance (in-process, on a clock)', () => {
  it('refills evenly over an hour, and is not handed out again by forgetting an idle subject', async () => {
    let now = Date.parse('2026-12-02T10:00:00Z');
    const limiter = new RateLimiter(null, logger, () => now);
    const acct = bucket('acct:clock', 2, { burst: 4 });
    for (let i = 0; i < 6; i += 1) expect((await limiter.consumeAll([acct])).allowed).toBe(true);
    expect((await limiter.consumeAll([acct])).allowed).toBe(false);
    // A minute later the window is free again but the allowance has refilled 4/60 of
    // itself: two from the minute, none from the burst.
    now += 61_000;
    expect((await limiter.consumeAll([acct])).allowed).toBe(true);
    expect((await limiter.consumeAll([acct])).allowed).toBe(true);
    expect((await limiter.consumeAll([acct])).allowed).toBe(false);
    // A quarter of the refill time later, one whole request of burst has come back.
    now += BURST_REFILL_MS / 4;
    for (let i = 0; i < 3; i += 1) expect((await limiter.consumeAll([acct])).allowed).toBe(true);
    expect((await limiter.consumeAll([acct])).allowed).toBe(false);
  });
});
