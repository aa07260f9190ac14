import type {
  CompanyProfile,
  Dividend,
  FinancialStatement,
  PriceBar,
  Quote,
  Split,
} from '../../../domain/market';
import type { FxSeries } from '../../../domain/fx';
import { HttpProvider } from '../http-provider';
import type { DateRange, MarketDataProvider } from '../provider';
import {
  mapFinnhubCandles,
  mapFinnhubProfile,
  mapFinnhubQuote,
  mapFinnhubSearch,
} from './finnhub.mappers';

const unix = (date: string, time: string) => Math.floor(Date.parse(`${date}T${time}Z`) / 1_000);

/**
 * Finnhub: `/quote`, `/stock/profile2` and `/stock/candle`, one symbol per call, and
 * `/search`. Dividends, splits, statements and forex candles are premium on Finnhub:
 * this provider declines them without a call, so the next provider in
 * MARKET_DATA_PROVIDERS answers.
 * Its trade WebSocket feeds live quotes (see finnhub.mappers.ts, mapFinnhubTradeMessage).
 */
export class FinnhubProvider extends HttpProvider implements MarketDataProvider {
  readonly name = 'finnhub';
  readonly batchSize = { quotes: 1, profiles: 1 };
  protected readonly keyParam = 'token';

  async quotes(symbols: readonly string[]): Promise<Map<string, Quote>> {
    const result = new Map<string, Quote>();
    const bodies = await Promise.all(symbols.map((symbol) => this.get('/quote', { symbol })));
    bodies.forEach((body, i) => {
      const quote = mapFinnhubQuote(symbols[i], body);
      if (quote) result.set(symbols[i], quote);
    });
    return result;
  }

  async profiles(symbols: readonly string[]): Promise<Map<string, CompanyProfile>> {
    const result = new Map<string, CompanyProfile>();
    const bodies = await Promise.all(
      symbols.map((symbol) => this.get('/stock/profile2', { symbol })),
    );
    bodies.forEach((body, i) => {
      const profile = mapFinnhubProfile(body);
      if (profile) result.set(symbols[i], { ...profile, symbol: symbols[i] });
    });
    return result;
  }

  async history(symbol: string, range: DateRange): Promise<PriceBar[] | null> {
    const body = await this.get('/stock/candle', {
      symbol,
      resolution: 'D',
      from: unix(range.from, '00:00:00'),
      to: unix(range.to, '23:59:59'),
    });
    const mapped = mapFinnhubCandles(body);
    return mapped ? this.take('history', mapped) : [];
  }

  async dividends(): Promise<Dividend[] | null> {
    return this.unsupported('dividends');
  }

  async splits(): Promise<Split[] | null> {
    return this.unsupported('splits');
  }

  async statements(): Promise<FinancialStatement[] | null> {
    return this.unsupported('statements');
  }

  // `/forex/candle` needs a premium plan: declined, so that the next provider answers;
  // when none offers FX the currency reads as unknown (MarketDataService.fxSeries).
  async fxHistory(): Promise<FxSeries | null> {
    return this.unsupported('FX history');
  }

  async search(query: string, limit: number): Promise<CompanyProfile[]> {
    const body = await this.get('/search', { q: query, exchange: 'US' });
    return this.take('search', mapFinnhubSearch(body)).slice(0, limit);
  }
}
