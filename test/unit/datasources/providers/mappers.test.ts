import {
  checkAlphaVantageBody,
  mapAlphaVantageDaily,
  mapAlphaVantageDividends,
  mapAlphaVantageOverview,
  mapAlphaVantageQuote,
  mapAlphaVantageSearch,
  mapAlphaVantageSplits,
  mapAlphaVantageStatements,
} from '../../../../src/datasources/providers/alphavantage/alphavantage.mappers';
import {
  mapFinnhubCandles,
  mapFinnhubProfile,
  mapFinnhubQuote,
  mapFinnhubSearch,
  mapFinnhubTradeMessage,
} from '../../../../src/datasources/providers/finnhub/finnhub.mappers';
import {
  mapFmpDividends,
  mapFmpHistory,
  mapFmpProfiles,
  mapFmpQuotes,
  mapFmpSearch,
  mapFmpSplits,
  mapFmpStatements,
} from '../../../../src/datasources/providers/fmp/fmp.mappers';
import { ProviderError } from '../../../../src/datasources/providers/provider-error';
import { fixture } from '../../../fixtures/providers/fake-upstream';

// The mappers against recorded-format fixtures (test/fixtures/providers/), with values
// read off the fixture by hand.

const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof ProviderError ? error.failure : `not a ProviderError: ${String(error)}`;
  }
  return 'no error';
};

describe('FMP mappers', () => {
  it('maps quote and batch-quote, with percent points turned into fractions', () => {
    const { value, invalid } = mapFmpQuotes(fixture('fmp', 'batch-quote'));
    expect(invalid).toBe(0);
    expect(value.map((q) => q.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(value[0]).toEqual({
      symbol: 'AAPL',
      price: 232.8,
      change: 4.79,
      changePercent: 0.021008,
      open: 227.2,
      high: 233.13,
      low: 226.65,
      previousClose: 228.01,
      volume: 44489128,
      marketCap: 3500823120000,
      timestamp: new Date(1738702801 * 1000),
      source: 'fmp',
      stale: false,
    });
  });

  it('maps a profile, employees from the documented string', () => {
    const [p] = mapFmpProfiles(fixture('fmp', 'profile')).value;
    expect(p).toMatchObject({
      symbol: 'AAPL',
      name: 'Apple Inc.',
      exchange: 'NASDAQ',
      currency: 'USD',
      sector: 'Technology',
      industry: 'Consumer Electronics',
      country: 'US',
      website: 'https://www.apple.com',
      employees: 164000,
    });
  });

  it('joins OHLCV with the dividend-adjusted close by date, oldest first', () => {
    const { value } = mapFmpHistory(
      fixture('fmp', 'historical-price-eod-full'),
      fixture('fmp', 'historical-price-eod-dividend-adjusted'),
    );
    expect(value.map((b) => b.date)).toEqual(['2025-01-31', '2025-02-03', '2025-02-04']);
    expect(value[0]).toEqual({
      date: '2025-01-31',
      open: 247.19,
      high: 247.19,
      low: 233.44,
      close: 236,
      adjClose: 235.75,
      volume: 101075100,
    });
  });

  it('maps dividends, splits and search', () => {
    expect(mapFmpDividends(fixture('fmp', 'dividends')).value).toEqual([
      { exDate: '2024-11-08', paymentDate: '2024-11-14', amount: 0.25 },
      { exDate: '2025-02-10', paymentDate: '2025-02-13', amount: 0.25 },
    ]);
    expect(mapFmpSplits(fixture('fmp', 'splits')).value).toEqual([
      { date: '2014-06-09', ratio: 7 },
      { date: '2020-08-31', ratio: 4 },
    ]);
    expect(mapFmpSearch(fixture('fmp', 'search-symbol')).value.map((p) => p.symbol)).toEqual([
      'AAPL',
      'APLE',
    ]);
  });

  it('joins the three statements of a period', () => {
    const [s] = mapFmpStatements(
      fixture('fmp', 'income-statement'),
      fixture('fmp', 'balance-sheet-statement'),
      fixture('fmp', 'cash-flow-statement'),
    ).value;
    expect(s).toEqual({
      fiscalYear: 2024,
      period: 'FY',
      date: '2024-09-28',
      revenue: 391035000000,
      grossProfit: 180683000000,
      operatingIncome: 123216000000,
      netIncome: 93736000000,
      ebitda: 134661000000,
      epsDiluted: 6.08,
      interestExpense: 0,
      totalAssets: 364980000000,
      totalCurrentAssets: 152987000000,
      totalCurrentLiabilities: 176392000000,
      totalDebt: 106629000000,
      totalEquity: 56950000000,
      cashAndEquivalents: 29943000000,
      operatingCashFlow: 118254000000,
      capitalExpenditure: -9447000000,
      freeCashFlow: 108807000000,
      dividendsPaid: -15234000000,
      sharesOutstanding: 15408095000,
    });
  });

  it('drops and counts items that fail validation; a wrong envelope is an invalid payload', () => {
    const [good] = fixture<unknown[]>('fmp', 'quote');
    const mapped = mapFmpQuotes([good, { symbol: 'BAD', price: 'n/a' }, { price: 3 }]);
    expect(mapped.value).toHaveLength(1);
    expect(mapped.invalid).toBe(2);
    expect(failure(() => mapFmpQuotes(fixture('fmp', 'error-invalid-key')))).toBe('invalid');
    expect(mapFmpQuotes([]).value).toEqual([]);
  });
});

describe('Alpha Vantage mappers', () => {
  const now = new Date('2025-02-05T12:00:00Z');

  it('maps GLOBAL_QUOTE (strings, percent with a % sign) and an unknown symbol to null', () => {
    expect(mapAlphaVantageQuote(fixture('alphavantage', 'global-quote'), now)).toEqual({
      symbol: 'IBM',
      price: 251.34,
      change: 1.5,
      changePercent: 0.006004,
      open: 250.5,
      high: 252.25,
      low: 248.67,
      previousClose: 249.84,
      volume: 3513497,
      marketCap: null,
      timestamp: new Date('2025-02-04T21:00:00Z'),
      source: 'alphavantage',
      stale: false,
    });
    expect(mapAlphaVantageQuote(fixture('alphavantage', 'global-quote-unknown'), now)).toBeNull();
  });

  it('dates a quote of the session still open at now, and a later day in the future', () => {
    const body = fixture<{ 'Global Quote': Record<string, string> }>(
      'alphavantage',
      'global-quote',
    );
    const during = new Date('2025-02-04T15:00:00Z');
    expect(mapAlphaVantageQuote(body, during)?.timestamp).toEqual(during);
    body['Global Quote']['07. latest trading day'] = '2025-02-06';
    expect(mapAlphaVantageQuote(body, now)?.timestamp).toEqual(new Date('2025-02-06T21:00:00Z'));
  });

  it('maps OVERVIEW, title-casing sectors; an empty object is an unknown symbol', () => {
    expect(mapAlphaVantageOverview(fixture('alphavantage', 'overview'))).toMatchObject({
      symbol: 'IBM',
      name: 'International Business Machines',
      exchange: 'NYSE',
      sector: 'Technology',
      industry: 'Information Technology Services',
      country: 'US',
      website: 'https://www.ibm.com',
      employees: null,
    });
    expect(mapAlphaVantageOverview(fixture('alphavantage', 'overview-unknown'))).toBeNull();
  });

  it('maps the daily adjusted series oldest first; "Invalid API call" is an unknown symbol', () => {
    const mapped = mapAlphaVantageDaily(fixture('alphavantage', 'time-series-daily-adjusted'))!;
    expect(mapped.value.map((b) => [b.date, b.close, b.adjClose])).toEqual([
      ['2025-01-31', 255.7, 254.0488],
      ['2025-02-03', 249.84, 249.84],
      ['2025-02-04', 251.34, 251.34],
    ]);
    expect(mapAlphaVantageDaily(fixture('alphavantage', 'error-invalid-call'))).toBeNull();
  });

  it('maps DIVIDENDS, SPLITS and SYMBOL_SEARCH', () => {
    expect(mapAlphaVantageDividends(fixture('alphavantage', 'dividends'))!.value).toEqual([
      { exDate: '2024-11-12', paymentDate: '2024-12-10', amount: 1.67 },
      { exDate: '2025-02-10', paymentDate: '2025-03-10', amount: 1.67 },
    ]);
    expect(mapAlphaVantageSplits(fixture('alphavantage', 'splits'))!.value).toEqual([
      { date: '1997-05-28', ratio: 2 },
      { date: '1999-05-27', ratio: 2 },
    ]);
    const [match] = mapAlphaVantageSearch(fixture('alphavantage', 'symbol-search')).value;
    expect(match).toMatchObject({ symbol: 'TSCO.LON', name: 'Tesco PLC', currency: 'GBX' });
  });

  it('joins the statements, "None" as null and outflows as negative cash flows', () => {
    const [latest, previous] = mapAlphaVantageStatements(
      fixture('alphavantage', 'income-statement'),
      fixture('alphavantage', 'balance-sheet'),
      fixture('alphavantage', 'cash-flow'),
      'ANNUAL',
    )!.value;
    expect(latest).toMatchObject({
      fiscalYear: 2024,
      period: 'FY',
      date: '2024-12-31',
      revenue: 62753000000,
      netIncome: 6023000000,
      epsDiluted: null,
      totalDebt: 54973000000,
      totalEquity: 27307000000,
      operatingCashFlow: 13445000000,
      capitalExpenditure: -1685000000,
      freeCashFlow: 13445000000 - 1685000000,
      dividendsPaid: -6147000000,
      sharesOutstanding: 927200000,
    });
    expect(previous.date).toBe('2023-12-31');
    const [quarter] = mapAlphaVantageStatements(
      fixture('alphavantage', 'income-statement'),
      fixture('alphavantage', 'balance-sheet'),
      fixture('alphavantage', 'cash-flow'),
      'QUARTERLY',
    )!.value;
    expect(quarter.period).toBe('Q4');
  });

  it('tells throttling, premium and key notices sent with HTTP 200 apart', () => {
    expect(failure(() => checkAlphaVantageBody(fixture('alphavantage', 'note-frequency')))).toBe(
      'throttled',
    );
    expect(
      failure(() => checkAlphaVantageBody(fixture('alphavantage', 'information-daily-limit'))),
    ).toBe('throttled');
    expect(
      failure(() => checkAlphaVantageBody(fixture('alphavantage', 'information-premium'))),
    ).toBe('unsupported');
    expect(failure(() => checkAlphaVantageBody(fixture('alphavantage', 'error-missing-key')))).toBe(
      'http',
    );
    // An unknown symbol is an answer, left to the mapper.
    expect(
      failure(() => checkAlphaVantageBody(fixture('alphavantage', 'error-invalid-call'))),
    ).toBe('no error');
    expect(failure(() => checkAlphaVantageBody(fixture('alphavantage', 'global-quote')))).toBe(
      'no error',
    );
  });
});

describe('Finnhub mappers', () => {
  it('maps /quote; all zeros is an unknown symbol', () => {
    expect(mapFinnhubQuote('AAPL', fixture('finnhub', 'quote'))).toEqual({
      symbol: 'AAPL',
      price: 261.74,
      change: 2.29,
      changePercent: 0.008826,
      open: 261.07,
      high: 263.31,
      low: 260.68,
      previousClose: 259.45,
      volume: 0,
      marketCap: null,
      timestamp: new Date(1582641000 * 1000),
      source: 'finnhub',
      stale: false,
    });
    expect(mapFinnhubQuote('NOPE', fixture('finnhub', 'quote-unknown'))).toBeNull();
  });

  it('maps profile2 and candles; empty profile and no_data are unknown', () => {
    expect(mapFinnhubProfile(fixture('finnhub', 'profile2'))).toMatchObject({
      symbol: 'AAPL',
      name: 'Apple Inc',
      sector: 'Technology',
      country: 'US',
      website: 'https://www.apple.com/',
    });
    expect(mapFinnhubProfile(fixture('finnhub', 'profile2-unknown'))).toBeNull();
    expect(mapFinnhubCandles(fixture('finnhub', 'candle'))!.value).toEqual([
      {
        date: '2025-02-03',
        open: 229.99,
        high: 231.83,
        low: 225.7,
        close: 228.01,
        adjClose: 228.01,
        volume: 73063301,
      },
      {
        date: '2025-02-04',
        open: 227.25,
        high: 233.13,
        low: 226.65,
        close: 232.8,
        adjClose: 232.8,
        volume: 45067301,
      },
    ]);
    expect(mapFinnhubCandles(fixture('finnhub', 'candle-no-data'))).toBeNull();
  });

  it('maps search and trade messages; a ping carries no trades', () => {
    expect(mapFinnhubSearch(fixture('finnhub', 'search')).value.map((p) => p.symbol)).toEqual([
      'AAPL',
      'APLE',
    ]);
    expect(mapFinnhubTradeMessage(fixture('finnhub', 'trade-message')).value).toEqual([
      { symbol: 'AAPL', price: 232.81, volume: 100, timestamp: new Date(1738702801123) },
      { symbol: 'MSFT', price: 412.4, volume: 25, timestamp: new Date(1738702801250) },
    ]);
    expect(mapFinnhubTradeMessage(fixture('finnhub', 'ping-message')).value).toEqual([]);
    expect(failure(() => mapFinnhubQuote('AAPL', fixture('finnhub', 'error-limit')))).toBe(
      'invalid',
    );
  });
});
