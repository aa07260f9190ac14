import type {
  CompanyProfile,
  Dividend,
  FinancialStatement,
  PriceBar,
  Quote,
  Split,
  StatementPeriod,
} from '../../domain/market';
import type { FxSeries } from '../../domain/fx';
import type { HttpClient } from './http-client';

/** A date range, ISO dates, inclusive. */
export interface DateRange {
  from: string;
  to: string;
}

/**
 * One upstream market-data source. Batch methods answer a Map: a symbol missing from
 * it is unknown to the provider. Single-symbol methods answer null for an unknown
 * symbol. Methods throw (a ProviderError) when the provider cannot answer at all.
 */
export interface MarketDataProvider {
  /** Name used in config (`MARKET_DATA_PROVIDERS`), metrics and `Quote.source`. */
  readonly name: string;
  /** Most symbols one upstream call can carry, per batched kind (1: no batching). */
  readonly batchSize: { readonly quotes: number; readonly profiles: number };
  quotes(symbols: readonly string[]): Promise<Map<string, Quote>>;
  profiles(symbols: readonly string[]): Promise<Map<string, CompanyProfile>>;
  history(symbol: string, range: DateRange): Promise<PriceBar[] | null>;
  dividends(symbol: string): Promise<Dividend[] | null>;
  splits(symbol: string): Promise<Split[] | null>;
  statements(symbol: string, period: StatementPeriod): Promise<FinancialStatement[] | null>;
  search(query: string, limit: number): Promise<CompanyProfile[]>;
  /**
   * Daily closes of `<currency>USD` in the range, oldest first: units of USD for one unit
   * of `currency`. Null for a currency the provider does not know. Never asked for USD
   * itself (its rate is 1, see `anchorSeries`).
   */
  fxHistory(currency: string, range: DateRange): Promise<FxSeries | null>;
  /**
   * Whether the provider lists `symbol`, for providers that declare a symbol list
   * (`<NAME>_SYMBOL_LIST`); absent: any symbol may be asked.
   */
  lists?(symbol: string): boolean;
  /** False while the provider is known to be failing (its circuit is open). */
  isAvailable?(): boolean;
}

/** The data kinds a provider answers, as named in metrics. */
export type DataKind =
  'quote' | 'profile' | 'history' | 'dividends' | 'splits' | 'statements' | 'search' | 'fx';

/** What an HTTP provider is built with. */
export interface HttpProviderOptions {
  apiKey: string;
  /** Without a trailing slash, e.g. https://financialmodelingprep.com/stable. */
  baseUrl: string;
  http: HttpClient;
  /** Told how many items of a payload failed validation and were dropped. */
  onInvalid?: (kind: DataKind, count: number) => void;
  now?: () => Date;
}
