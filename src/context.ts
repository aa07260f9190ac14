import type { Viewer } from './domain/viewer';
import { createMarketLoaders, type MarketLoaders } from './loaders/market.loaders';
import type { Logger } from './observability/logger';
import type { Services } from './server/services';

/** What every resolver receives: who is calling, a request-scoped logger and the services. */
export interface Context {
  requestId: string;
  logger: Logger;
  viewer: Viewer | null;
  services: Services;
  /** This request's DataLoaders: never shared across requests. */
  loaders: MarketLoaders;
}

/** The context of one request (HTTP) or one operation (WebSocket). */
export function createContext(fields: Omit<Context, 'loaders'>): Context {
  return { ...fields, loaders: createMarketLoaders(fields.services.marketData) };
}
