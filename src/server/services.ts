import type Redis from 'ioredis';
import type { Config } from '../config/env.schema';
import type { Database } from '../datasources/database/database';
import { ApiKeyRepository } from '../datasources/database/api-key.repository';
import { UserRepository } from '../datasources/database/user.repository';
import { DEFAULT_PLANS, type PlanLimits, type PlanName } from '../domain/plans';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { AuthService } from '../services/auth.service';
import { createMarketData } from '../services/market-data.factory';
import type { MarketDataService } from '../services/market-data.service';

/** The long-lived services and datasources of one server instance. */
export interface Services {
  users: UserRepository;
  apiKeys: ApiKeyRepository;
  auth: AuthService;
  plans: Readonly<Record<PlanName, PlanLimits>>;
  marketData: MarketDataService;
  /** Settings of the computed analytics. */
  analytics: { riskFreeRate: number };
}

/** Wires datasources into services. */
export function createServices(deps: {
  config: Config;
  database: Database;
  redis: Redis | null;
  logger: Logger;
  metrics?: Metrics;
}): Services {
  const users = new UserRepository(deps.database.prisma);
  const apiKeys = new ApiKeyRepository(deps.database.prisma);
  return {
    users,
    apiKeys,
    auth: new AuthService(apiKeys, deps.logger.child({ component: 'auth' })),
    plans: DEFAULT_PLANS,
    marketData: createMarketData({
      config: deps.config,
      redis: deps.redis,
      logger: deps.logger,
      metrics: deps.metrics,
    }),
    analytics: { riskFreeRate: deps.config.riskFreeRate },
  };
}
