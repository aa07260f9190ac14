import type { Viewer } from './domain/viewer';
import { UnauthenticatedError } from './errors/errors';
import { createMarketLoaders, type MarketLoaders } from './loaders/market.loaders';
import type { Logger } from './observability/logger';
import type { RequestStats } from './observability/request-stats';
import type { Services } from './server/services';
import type { MarketDataService } from './services/market-data.service';

/** What every resolver receives: who is calling, a request-scoped logger and the services. */
export interface Context {
  requestId: string;
  logger: Logger;
  viewer: Viewer | null;
  services: Services;
  /** This request's DataLoaders: never shared across requests. */
  loaders: MarketLoaders;
  /**
   * Market data for this caller: its cache misses spend the account's share of upstream
   * budgets (the loaders read through it; so do checks of symbols, e.g. on import).
   */
  marketData: MarketDataService;
  /** The client's address. */
  ip?: string;
  /** Metered for usage: the operation's cost and the cache hits it made. */
  stats: RequestStats;
}

/** The context of one request (HTTP) or one operation (WebSocket). */
export function createContext(fields: Omit<Context, 'loaders' | 'marketData' | 'stats'>): Context {
  const marketData = marketDataFor(fields);
  return {
    ...fields,
    marketData,
    loaders: createMarketLoaders(marketData, quoteDelayMs(fields)),
    stats: { cost: 0, cacheHits: 0 },
  };
}

/** Market data whose cache misses spend the caller's account share of upstream budgets. */
function marketDataFor({ viewer, services }: Pick<Context, 'viewer' | 'services'>) {
  if (!viewer) return services.marketData;
  return services.marketData.forCaller(() => services.upstreamShare.spend(viewer));
}

/** How far the caller's plan delays quotes, in milliseconds (0: real time). */
export function quoteDelayMs({ viewer, services }: Pick<Context, 'viewer' | 'services'>): number {
  if (!viewer) return 0;
  return (services.plans[viewer.plan]?.quoteDelayMinutes ?? 0) * 60_000;
}

/** The caller, for fields that need one (the auth guard lets only public fields through without). */
export function requireViewer(ctx: Context): Viewer {
  if (!ctx.viewer) throw new UnauthenticatedError('Sign in or send an API key');
  return ctx.viewer;
}
