import pino from 'pino';
import { getGraphQLRateLimiter, InMemoryStore, RedisStore } from 'graphql-rate-limit';
import type { GraphQLResolveInfo } from 'graphql';
import { RateLimiter } from '../../../src/datasources/cache/rate-limiter';
import { createTestRedis } from '../../helpers/redis';

// Why the gateway counts field limits itself rather than with graphql-rate-limit (the
// design card's suggestion): its check reads the caller's timestamps from the store,
// decides, then writes them back, two round trips with nothing between them to stop
// concurrent calls from all reading the same count. Ours is one atomic step (a Lua
// script in Redis; a synchronous update in-process). README, "Rate limits".

const logger = pino({ level: 'silent' });
const redis = createTestRedis();
const CALLS = 20;
const MAX = 5;

/** How many of CALLS concurrent calls graphql-rate-limit lets through with `store`. */
async function admittedByGraphqlRateLimit(store: InMemoryStore | RedisStore): Promise<number> {
  const limiter = getGraphQLRateLimiter({
    identifyContext: (ctx: { id: string }) => ctx.id,
    store,
  });
  const info = { fieldName: 'login' } as GraphQLResolveInfo;
  const context = { id: `caller-${Date.now()}` };
  const refusals = await Promise.all(
    Array.from({ length: CALLS }, () =>
      limiter({ parent: {}, args: {}, context, info }, { max: MAX, window: '1m' }),
    ),
  );
  return refusals.filter((refusal) => refusal === undefined).length;
}

/** How many of CALLS concurrent calls the gateway's limiter lets through. */
async function admittedByOurs(limiter: RateLimiter): Promise<number> {
  const bucket = {
    subject: `field:login:caller-${Date.now()}`,
    limit: MAX,
    windowMs: 60_000,
    perDay: null,
    burst: 0,
  };
  const decisions = await Promise.all(
    Array.from({ length: CALLS }, () => limiter.consumeAll([bucket])),
  );
  return decisions.filter((decision) => decision.allowed).length;
}

describe('graphql-rate-limit reads, then writes; the gateway counts in one step', () => {
  it(`in-process: it lets more than ${MAX} of ${CALLS} concurrent calls through; ours exactly ${MAX}`, async () => {
    expect(await admittedByGraphqlRateLimit(new InMemoryStore())).toBeGreaterThan(MAX);
    expect(await admittedByOurs(new RateLimiter(null, logger))).toBe(MAX);
  });

  (redis.url ? describe : describe.skip)('on a real Redis', () => {
    afterAll(() => redis.close());

    it(`its RedisStore lets more than ${MAX} of ${CALLS} concurrent calls through; ours exactly ${MAX}`, async () => {
      expect(await admittedByGraphqlRateLimit(new RedisStore(redis.client()))).toBeGreaterThan(MAX);
      expect(await admittedByOurs(new RateLimiter(redis.client(), logger))).toBe(MAX);
    });
  });
});
