import DataLoader from 'dataloader';
import type { CompanyProfile, Quote } from '../domain/market';
import type { MarketDataService } from '../services/market-data.service';

/** The market-data loaders of one request (never shared across requests). */
export interface MarketLoaders {
  quote: DataLoader<string, Quote | null>;
  profile: DataLoader<string, CompanyProfile | null>;
}

function batchOf<T>(fetch: (symbols: readonly string[]) => Promise<Map<string, T>>) {
  // One value or Error per key, in key order, as DataLoader requires.
  return async (symbols: readonly string[]): Promise<Array<T | null | Error>> => {
    try {
      const found = await fetch(symbols);
      return symbols.map((symbol) => found.get(symbol) ?? null);
    } catch (error) {
      return symbols.map(() => error as Error);
    }
  };
}

/** Creates per-request loaders that batch every symbol asked in one tick into one call. */
export function createMarketLoaders(service: MarketDataService): MarketLoaders {
  return {
    quote: new DataLoader(
      batchOf((symbols) => service.quotes(symbols)),
      { maxBatchSize: 100 },
    ),
    profile: new DataLoader(
      batchOf((symbols) => service.profiles(symbols)),
      { maxBatchSize: 100 },
    ),
  };
}
