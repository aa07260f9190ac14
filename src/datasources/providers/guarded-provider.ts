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
import type { DataQuality, RejectListener } from './data-quality';
import type { DataKind, DateRange, MarketDataProvider } from './provider';
import { ProviderError } from './provider-error';

/**
 * A provider behind the data-quality gate: every answer is filtered, and a payload that
 * fails validation as a whole is reported before the error goes on to the fallback.
 */
export class GuardedProvider implements MarketDataProvider {
  readonly name: string;
  readonly batchSize: MarketDataProvider['batchSize'];

  constructor(
    private readonly inner: MarketDataProvider,
    private readonly quality: DataQuality,
    private readonly onReject: RejectListener,
  ) {
    this.name = inner.name;
    this.batchSize = inner.batchSize;
  }

  isAvailable(): boolean {
    return this.inner.isAvailable?.() ?? true;
  }

  private async guard<T>(kind: DataKind, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ProviderError && error.failure === 'invalid') {
        this.onReject(kind, 'invalid', error.message);
      }
      throw error;
    }
  }

  async quotes(symbols: readonly string[]): Promise<Map<string, Quote>> {
    const quotes = await this.guard('quote', () => this.inner.quotes(symbols));
    const kept = new Map<string, Quote>();
    for (const [symbol, quote] of quotes) {
      const checked = this.quality.quote(quote);
      if (checked) kept.set(symbol, checked);
    }
    return kept;
  }

  profiles(symbols: readonly string[]): Promise<Map<string, CompanyProfile>> {
    return this.guard('profile', () => this.inner.profiles(symbols));
  }

  async history(symbol: string, range: DateRange): Promise<PriceBar[] | null> {
    const bars = await this.guard('history', () => this.inner.history(symbol, range));
    return bars && this.quality.bars(symbol, bars);
  }

  async dividends(symbol: string): Promise<Dividend[] | null> {
    const dividends = await this.guard('dividends', () => this.inner.dividends(symbol));
    return dividends && this.quality.dividends(symbol, dividends);
  }

  async splits(symbol: string): Promise<Split[] | null> {
    const splits = await this.guard('splits', () => this.inner.splits(symbol));
    return splits && this.quality.splits(symbol, splits);
  }

  statements(symbol: string, period: StatementPeriod): Promise<FinancialStatement[] | null> {
    return this.guard('statements', () => this.inner.statements(symbol, period));
  }

  search(query: string, limit: number): Promise<CompanyProfile[]> {
    return this.guard('search', () => this.inner.search(query, limit));
  }

  async fxHistory(currency: string, range: DateRange): Promise<FxSeries | null> {
    const series = await this.guard('fx', () => this.inner.fxHistory(currency, range));
    return series && this.quality.fx(series);
  }
}
