import type { StatementPeriod } from '../../domain/market';
import type { DateRange, MarketDataProvider } from './provider';

/**
 * A provider that declares the symbols it lists (`<NAME>_SYMBOL_LIST`): lookups of any
 * other symbol answer unknown (absent from a batch, null for one symbol) without an
 * upstream call, so that nobody can spend the provider's budget on symbols it does not
 * have. Search and FX are passed through (a query or a currency is no symbol).
 */
export class SymbolListedProvider implements MarketDataProvider {
  readonly name: string;
  readonly batchSize: MarketDataProvider['batchSize'];

  constructor(
    private readonly inner: MarketDataProvider,
    private readonly listed: ReadonlySet<string>,
  ) {
    this.name = inner.name;
    this.batchSize = inner.batchSize;
  }

  /** True when the provider lists `symbol`. */
  lists(symbol: string): boolean {
    return this.listed.has(symbol);
  }

  private async batch<T>(
    symbols: readonly string[],
    call: (listed: string[]) => Promise<Map<string, T>>,
  ): Promise<Map<string, T>> {
    const listed = symbols.filter((symbol) => this.listed.has(symbol));
    return listed.length === 0 ? new Map() : call(listed);
  }

  private async one<T>(symbol: string, call: () => Promise<T | null>): Promise<T | null> {
    return this.listed.has(symbol) ? call() : null;
  }

  quotes(symbols: readonly string[]) {
    return this.batch(symbols, (listed) => this.inner.quotes(listed));
  }

  profiles(symbols: readonly string[]) {
    return this.batch(symbols, (listed) => this.inner.profiles(listed));
  }

  history(symbol: string, range: DateRange) {
    return this.one(symbol, () => this.inner.history(symbol, range));
  }

  dividends(symbol: string) {
    return this.one(symbol, () => this.inner.dividends(symbol));
  }

  splits(symbol: string) {
    return this.one(symbol, () => this.inner.splits(symbol));
  }

  statements(symbol: string, period: StatementPeriod) {
    return this.one(symbol, () => this.inner.statements(symbol, period));
  }

  search(query: string, limit: number) {
    return this.inner.search(query, limit);
  }

  fxHistory(currency: string, range: DateRange) {
    return this.inner.fxHistory(currency, range);
  }

  isAvailable(): boolean {
    return this.inner.isAvailable?.() ?? true;
  }
}
