import type {
  CompanyProfile,
  Dividend,
  FinancialStatement,
  PriceBar,
  Quote,
  Split,
  StatementPeriod,
} from '../../../domain/market';
import { FX_ANCHOR, type FxSeries } from '../../../domain/fx';
import { HttpProvider } from '../http-provider';
import type { DateRange, MarketDataProvider } from '../provider';
import {
  checkAlphaVantageBody,
  mapAlphaVantageDaily,
  mapAlphaVantageDividends,
  mapAlphaVantageOverview,
  mapAlphaVantageQuote,
  mapAlphaVantageSearch,
  mapAlphaVantageSplits,
  mapAlphaVantageStatements,
} from './alphavantage.mappers';
import { mapAlphaVantageFx } from './alphavantage-fx.mappers';

/**
 * Alpha Vantage: one symbol per call for everything (GLOBAL_QUOTE, OVERVIEW,
 * TIME_SERIES_DAILY_ADJUSTED with outputsize=full, DIVIDENDS, SPLITS, FX_DAILY with
 * outputsize=full, and three calls for statements). Its throttling notices arrive with HTTP 200 and are turned into
 * ProviderErrors by {@link checkAlphaVantageBody} before mapping.
 */
export class AlphaVantageProvider extends HttpProvider implements MarketDataProvider {
  readonly name = 'alphavantage';
  readonly batchSize = { quotes: 1, profiles: 1 };
  protected readonly keyParam = 'apikey';

  private call(fn: string, params: Record<string, string | number> = {}): Promise<unknown> {
    return this.get('/query', { function: fn, ...params }, checkAlphaVantageBody);
  }

  async quotes(symbols: readonly string[]): Promise<Map<string, Quote>> {
    const result = new Map<string, Quote>();
    const bodies = await Promise.all(
      symbols.map((symbol) => this.call('GLOBAL_QUOTE', { symbol })),
    );
    bodies.forEach((body, i) => {
      const quote = mapAlphaVantageQuote(body, this.now());
      if (quote) result.set(symbols[i], { ...quote, symbol: symbols[i] });
    });
    return result;
  }

  async profiles(symbols: readonly string[]): Promise<Map<string, CompanyProfile>> {
    const result = new Map<string, CompanyProfile>();
    const bodies = await Promise.all(symbols.map((symbol) => this.call('OVERVIEW', { symbol })));
    bodies.forEach((body, i) => {
      const profile = mapAlphaVantageOverview(body);
      if (profile) result.set(symbols[i], { ...profile, symbol: symbols[i] });
    });
    return result;
  }

  async history(symbol: string, range: DateRange): Promise<PriceBar[] | null> {
    const body = await this.call('TIME_SERIES_DAILY_ADJUSTED', { symbol, outputsize: 'full' });
    const mapped = mapAlphaVantageDaily(body);
    if (!mapped) return null;
    return this.take('history', mapped).filter((b) => b.date >= range.from && b.date <= range.to);
  }

  async dividends(symbol: string): Promise<Dividend[] | null> {
    const mapped = mapAlphaVantageDividends(await this.call('DIVIDENDS', { symbol }));
    return mapped && this.take('dividends', mapped);
  }

  async splits(symbol: string): Promise<Split[] | null> {
    const mapped = mapAlphaVantageSplits(await this.call('SPLITS', { symbol }));
    return mapped && this.take('splits', mapped);
  }

  async statements(symbol: string, period: StatementPeriod): Promise<FinancialStatement[] | null> {
    const [income, balance, cashFlow] = await Promise.all([
      this.call('INCOME_STATEMENT', { symbol }),
      this.call('BALANCE_SHEET', { symbol }),
      this.call('CASH_FLOW', { symbol }),
    ]);
    const mapped = mapAlphaVantageStatements(income, balance, cashFlow, period);
    if (!mapped) return null;
    const statements = this.take('statements', mapped);
    return statements.slice(0, period === 'ANNUAL' ? 5 : 8);
  }

  async search(query: string, limit: number): Promise<CompanyProfile[]> {
    const body = await this.call('SYMBOL_SEARCH', { keywords: query });
    return this.take('search', mapAlphaVantageSearch(body)).slice(0, limit);
  }

  async fxHistory(currency: string, range: DateRange): Promise<FxSeries | null> {
    const body = await this.call('FX_DAILY', {
      from_symbol: currency,
      to_symbol: FX_ANCHOR,
      outputsize: 'full',
    });
    const mapped = mapAlphaVantageFx(currency, body);
    if (!mapped) return null;
    const series = this.take('fx', mapped);
    const points = series.points.filter((p) => p.date >= range.from && p.date <= range.to);
    return { ...series, points };
  }
}
