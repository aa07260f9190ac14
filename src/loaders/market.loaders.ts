import DataLoader from 'dataloader';
import type { FxSeries } from '../domain/fx';
import type {
  CompanyProfile,
  Dividend,
  FinancialStatement,
  PriceBar,
  Quote,
  Split,
  StatementPeriod,
} from '../domain/market';
import type { MarketDataService } from '../services/market-data.service';

/**
 * The market-data loaders of one request (never shared across requests). Quotes and
 * profiles batch every symbol asked in one tick into one call; the per-symbol kinds
 * deduplicate, so that history, financials and metrics of one company in one request
 * load each input once, and every conversion of a request loads each currency once.
 */
export interface MarketLoaders {
  quote: DataLoader<string, Quote | null>;
  profile: DataLoader<string, CompanyProfile | null>;
  /** Every daily bar held for the symbol (the last 10 years), oldest first. */
  history: DataLoader<string, PriceBar[] | null>;
  dividends: DataLoader<string, Dividend[] | null>;
  splits: DataLoader<string, Split[] | null>;
  /** Keyed by `statementsKey(symbol, period)`. */
  statements: DataLoader<string, FinancialStatement[] | null>;
  /**
   * Keyed by ISO 4217 code (`EUR`): the currency's daily rates against USD over the
   * history window, oldest first; USD itself is `{ currency: 'USD', points: [], source:
   * 'fixed' }`; null when no provider knows the currency (or the code is malformed).
   * Cross any pair with `crossRate` (domain/fx.ts).
   */
  fx: DataLoader<string, FxSeries | null>;
}

/** The key of the statements loader. */
export const statementsKey = (symbol: string, period: StatementPeriod) => `${symbol}:${period}`;

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

// A loader whose keys are loaded one by one (the kind has no batch call): it still
// deduplicates within the request.
function eachOf<T>(fetch: (key: string) => Promise<T>) {
  return (keys: readonly string[]) =>
    Promise.all(keys.map((key) => fetch(key).catch((error: Error) => error)));
}

/**
 * Creates the loaders of one request. With `quoteDelayMs` (the caller's plan delays
 * quotes), every quote of the request, and what is computed from it, is the delayed one.
 */
export function createMarketLoaders(service: MarketDataService, quoteDelayMs = 0): MarketLoaders {
  return {
    quote: new DataLoader(
      batchOf((symbols) =>
        quoteDelayMs > 0 ? service.delayedQuotes(symbols, quoteDelayMs) : service.quotes(symbols),
      ),
      { maxBatchSize: 100 },
    ),
    profile: new DataLoader(
      batchOf((symbols) => service.profiles(symbols)),
      { maxBatchSize: 100 },
    ),
    history: new DataLoader(eachOf((symbol) => service.fullHistory(symbol))),
    dividends: new DataLoader(eachOf((symbol) => service.dividends(symbol))),
    splits: new DataLoader(eachOf((symbol) => service.splits(symbol))),
    statements: new DataLoader(
      eachOf((key) => {
        const [symbol, period] = key.split(':');
        return service.statements(symbol, period as StatementPeriod);
      }),
    ),
    fx: new DataLoader(eachOf((currency) => service.fxSeries(currency))),
  };
}
