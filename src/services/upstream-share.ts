import type { RateDecision, RateLimiter } from '../datasources/cache/rate-limiter';
import type { PlanLimits, PlanName } from '../domain/plans';
import { accountSubject, type Viewer } from '../domain/viewer';
import { RateLimitedError } from '../errors/errors';

/** The `extensions.budget` of a lookup refused for the account's share. */
export const UPSTREAM_LOOKUPS_BUDGET = 'upstreamLookups';

const MINUTE_MS = 60_000;

/**
 * Each account's share of the providers' budgets (issue 15, "fair share"): the cache
 * misses it may send upstream per minute (`PlanLimits.upstreamLookupsPerMinute`),
 * counted in the rate limits' store, so exact across replicas on Redis. One tenant
 * spending its share leaves the providers' budgets to everyone else.
 */
export class UpstreamShare {
  constructor(
    private readonly limiter: Pick<RateLimiter, 'consumeAll'>,
    private readonly plans: Readonly<Record<PlanName, PlanLimits>>,
  ) {}

  /** Spends one upstream lookup of `viewer`'s account, or throws RATE_LIMITED. */
  async spend(viewer: Pick<Viewer, 'userId' | 'plan'>): Promise<void> {
    const plan = this.plans[viewer.plan];
    if (!plan) return;
    const decision: RateDecision = await this.limiter.consumeAll([
      {
        subject: `upstream:${accountSubject(viewer)}`,
        limit: plan.upstreamLookupsPerMinute,
        windowMs: MINUTE_MS,
        perDay: null,
        burst: 0,
      },
    ]);
    if (decision.allowed) return;
    const wait = Math.max(1, decision.retryAfterSeconds);
    throw new RateLimitedError(
      `This account has spent its upstream lookups for now (${plan.upstreamLookupsPerMinute} a minute); cached data still answers. Retry after ${wait} s`,
      wait,
      { budget: UPSTREAM_LOOKUPS_BUDGET, limit: plan.upstreamLookupsPerMinute },
    );
  }
}
