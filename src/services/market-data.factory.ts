import type Redis from 'ioredis';
import type { Config } from '../config/env.schema';
import { MarketCache } from '../datasources/cache/market-cache';
import { MemoryCacheStore } from '../datasources/cache/memory-cache.store';
import { MemoryQuoteLog, RedisQuoteLog } from '../datasources/cache/quote-log';
import { SharedCacheStore } from '../datasources/cache/redis-cache.store';
import { defaultTtlPolicy, type TtlPolicy } from '../datasources/cache/ttl-policy';
import { createProviders } from '../datasources/providers/registry';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { MarketDataService } from './market-data.service';

/** What the market-data stack is built from. */
export interface MarketDataDeps {
  config: Pick<Config, 'providers' | 'providerTimeoutMs' | 'maxDayMove'>;
  redis: Redis | null;
  logger: Logger;
  metrics?: Metrics;
  now?: () => Date;
  ttl?: TtlPolicy;
}

/**
 * The market-data stack: providers of MARKET_DATA_PROVIDERS (budgets, breakers, quality
 * gate), the cache (Redis when configured, else an in-process LRU) and the service.
 */
export function createMarketData(deps: MarketDataDeps): MarketDataService {
  const logger = deps.logger.child({ component: 'market-data' });
  const cache = new MarketCache({
    store: deps.redis ? new SharedCacheStore(deps.redis) : new MemoryCacheStore(),
    ttl: deps.ttl ?? defaultTtlPolicy(),
    lookups: deps.metrics?.cacheLookups,
    now: deps.now,
  });
  const providers = createProviders({ ...deps, logger });
  return new MarketDataService({
    providers,
    cache,
    logger,
    now: deps.now,
    quoteLog: deps.redis ? new RedisQuoteLog(deps.redis, deps.now) : new MemoryQuoteLog(deps.now),
  });
}
