import type {
  CompanyProfile,
  Dividend,
  FinancialStatement,
  PriceBar,
  Quote,
  Split,
  StatementPeriod,
} from '../../../domain/market';
import type { FxSeries } from '../../../domain/fx';
import { bySymbol, HttpProvider } from '../http-provider';
import type { DateRange, MarketDataProvider } from '../provider';
import {
  mapFmpDividends,
  mapFmpHistory,
  mapFmpProfiles,
  mapFmpQuotes,
  mapFmpSearch,
  mapFmpSplits,
  mapFmpStatements,
} from './fmp.mappers';
import { fmpFxSymbol, mapFmpFx } from './fmp-fx.mappers';

/** Statements asked per period: five years, or eight quarters. */
const STATEMENT_LIMIT: Record<StatementPeriod, number> = { ANNUAL: 5, QUARTERLY: 8 };

/**
 * Financial Modeling Prep, "stable" API. Quotes batch (`/batch-quote`, 100 symbols per
 * call); profiles are one call per symbol. History is two calls (OHLCV and the
 * dividend-adjusted close), statements three (income, balance sheet, cash flow). FX is
 * the end-of-day history of the pair symbol (EURUSD), one call (two when only USDEUR is
 * listed). Unknown symbols come back as empty arrays.
 */
export class FmpProvider extends HttpProvider implements MarketDataProvider {
  readonly name = 'fmp';
  readonly batchSize = { quotes: 100, profiles: 1 };
  protected readonly keyParam = 'apikey';

  async quotes(symbols: readonly string[]): Promise<Map<string, Quote>> {
    const body =
      symbols.length === 1
        ? await this.get('/quote', { symbol: symbols[0] })
        : await this.get('/batch-quote', { symbols: symbols.join(',') });
    return bySymbol(this.take('quote', mapFmpQuotes(body)), symbols);
  }

  async profiles(symbols: readonly string[]): Promise<Map<string, CompanyProfile>> {
    const bodies = await Promise.all(symbols.map((symbol) => this.get('/profile', { symbol })));
    const profiles = bodies.flatMap((body) => this.take('profile', mapFmpProfiles(body)));
    return bySymbol(profiles, symbols);
  }

  async history(symbol: string, range: DateRange): Promise<PriceBar[] | null> {
    const params = { symbol, from: range.from, to: range.to };
    const [full, adjusted] = await Promise.all([
      this.get('/historical-price-eod/full', params),
      this.get('/historical-price-eod/dividend-adjusted', params),
    ]);
    return this.take('history', mapFmpHistory(full, adjusted));
  }

  async dividends(symbol: string): Promise<Dividend[] | null> {
    return this.take('dividends', mapFmpDividends(await this.get('/dividends', { symbol })));
  }

  async splits(symbol: string): Promise<Split[] | null> {
    return this.take('splits', mapFmpSplits(await this.get('/splits', { symbol })));
  }

  async statements(symbol: string, period: StatementPeriod): Promise<FinancialStatement[] | null> {
    const params = {
      symbol,
      period: period === 'ANNUAL' ? 'annual' : 'quarter',
      limit: STATEMENT_LIMIT[period],
    };
    const [income, balance, cashFlow] = await Promise.all([
      this.get('/income-statement', params),
      this.get('/balance-sheet-statement', params),
      this.get('/cash-flow-statement', params),
    ]);
    const statements = this.take('statements', mapFmpStatements(income, balance, cashFlow));
    return statements.length > 0 ? statements : null;
  }

  async search(query: string, limit: number): Promise<CompanyProfile[]> {
    const body = await this.get('/search-symbol', { query, limit });
    return this.take('search', mapFmpSearch(body)).slice(0, limit);
  }

  // `<CCY>USD` first; a currency FMP quotes only the other way round (USD<CCY>) is read
  // from that pair, inverted. An unknown currency thus costs two calls (then is cached).
  async fxHistory(currency: string, range: DateRange): Promise<FxSeries | null> {
    for (const inverted of [false, true]) {
      const body = await this.get('/historical-price-eod/full', {
        symbol: fmpFxSymbol(currency, inverted),
        from: range.from,
        to: range.to,
      });
      const mapped = mapFmpFx(currency, body, inverted);
      if (mapped) return this.take('fx', mapped);
    }
    return null;
  }
}
