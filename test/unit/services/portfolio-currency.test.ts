import DataLoader from 'dataloader';
import Decimal from 'decimal.js';
import { replay, type LedgerEntry, type TransactionType } from '../../../src/domain/ledger';
import type { FxSeries } from '../../../src/domain/fx';
import type { CompanyProfile, Quote } from '../../../src/domain/market';
import type { MarketLoaders } from '../../../src/loaders/market.loaders';
import { holdingsOf, valuationOf } from '../../../src/services/portfolio-analytics';
import { bookOf } from '../../../src/services/portfolio-currency';
import { performanceOf } from '../../../src/services/portfolio-performance';
import { historyLoaderOf, type Closes } from '../../fixtures/flat-bars';

const d = (value: number | string) => new Decimal(value);
function entry(
  type: TransactionType,
  date: string,
  fields: Partial<Record<'symbol' | 'quantity' | 'price' | 'fee' | 'amount', number>> = {},
): LedgerEntry {
  const decimal = (v: number | undefined) => (v === undefined ? null : d(v));
  return {
    type,
    date,
    symbol: (fields as { symbol?: string }).symbol ?? null,
    quantity: decimal(fields.quantity),
    price: decimal(fields.price),
    fee: d(fields.fee ?? 0),
    amount: decimal(fields.amount),
    ratio: null,
  };
}
const withSymbol = (symbol: string, e: LedgerEntry): LedgerEntry => ({ ...e, symbol });

const TODAY = '2024-03-01';
const CURRENCIES: Record<string, string> = { INFY: 'INR', AAPL: 'USD', KO: 'USD', VOD: 'GBp' };
// Units of USD per unit of the currency.
const RATES: Record<string, Record<string, number>> = {
  INR: { '2024-01-02': 0.012, '2024-02-01': 0.013, '2024-02-02': 0.011, [TODAY]: 0.0125 },
  EUR: { '2024-01-02': 1.25, [TODAY]: 1 },
  GBP: { '2024-01-02': 1.2, [TODAY]: 1.3 },
};

/** Loaders over fixed data, counting what they are asked. */
function loaders(quotes: Record<string, { price: number; change: number }>, closes: Closes = {}) {
  const asked = { fx: [] as string[], profile: [] as string[] };
  const quote = (symbol: string): Quote | null =>
    quotes[symbol]
      ? ({ symbol, ...quotes[symbol], timestamp: new Date(`${TODAY}T16:00:00Z`) } as Quote)
      : null;
  const result = {
    quote: new DataLoader(async (symbols: readonly string[]) => symbols.map(quote)),
    profile: new DataLoader(async (symbols: readonly string[]) => {
      asked.profile.push(...symbols);
      return symbols.map((symbol) =>
        CURRENCIES[symbol] ? ({ symbol, currency: CURRENCIES[symbol] } as CompanyProfile) : null,
      );
    }),
    fx: new DataLoader(async (currencies: readonly string[]) => {
      asked.fx.push(...currencies);
      return currencies.map((currency): FxSeries | null =>
        currency === 'USD'
          ? { currency, points: [], source: 'fixed' }
          : RATES[currency]
            ? {
                currency,
                source: 'test',
                points: Object.entries(RATES[currency]).map(([date, rate]) => ({ date, rate })),
              }
            : null,
      );
    }),
    history: historyLoaderOf(closes),
  };
  return { loaders: result as unknown as MarketLoaders, asked };
}

const ledgerOf = (entries: LedgerEntry[]) => ({ entries, state: replay(entries) });

describe('a portfolio in its base currency (hand-computed cases)', () => {
  it('values a rupee listing in a dollar portfolio: cost at the buy rate, value at today', async () => {
    const ledger = ledgerOf([
      entry('DEPOSIT', '2024-01-01', { amount: 1000 }),
      withSymbol('INFY', entry('BUY', '2024-01-02', { quantity: 10, price: 1500 })),
    ]);
    const { loaders: l } = loaders({ INFY: { price: 1600, change: 20 } });
    const book = await bookOf(ledger, 'USD', l, TODAY);
    const [infy] = await holdingsOf(book, l);
    // 15,000 INR at 0.012 = 180 USD; 16,000 INR at 0.0125 = 200 USD.
    expect(infy).toMatchObject({
      currency: 'INR',
      fxRate: 0.0125,
      costBasis: 180,
      averageCost: 18,
      marketValue: 200,
      unrealizedPnl: 20,
      dayChange: 2.5, // 10 × 20 INR at today's rate
      local: {
        currency: 'INR',
        costBasis: 15000,
        averageCost: 1500,
        marketValue: 16000,
        unrealizedPnl: 1000,
        dayChange: 200,
      },
    });
    // The rupee's part: 15,000 INR at 0.0125 − at 0.012 = 7.5; the price's part 1,000 INR
    // at today's rate = 12.5; 7.5 + 12.5 = 20.
    expect(infy.unrealizedFxPnl).toBeCloseTo(7.5, 10);
    const valuation = await valuationOf(book, l);
    expect(valuation).toMatchObject({ marketValue: 200, costBasis: 180, cash: 820 });
    expect(valuation.currencyPnl).toBeCloseTo(7.5, 10);
    expect(valuation.totalReturn).toBeCloseTo(20, 10);
  });

  it('crosses through the dollar: a dollar listing in a euro portfolio', async () => {
    const ledger = ledgerOf([
      withSymbol('AAPL', entry('BUY', '2024-01-02', { quantity: 2, price: 100 })),
    ]);
    const { loaders: l } = loaders({ AAPL: { price: 100, change: 0 } });
    const book = await bookOf(ledger, 'EUR', l, TODAY);
    const [aapl] = await holdingsOf(book, l);
    // USD→EUR = 1 / EURUSD: 0.8 at the buy, 1 today. Cost 200 USD = 160 EUR; value 200 EUR.
    expect(aapl.fxRate).toBe(1);
    expect(aapl.costBasis).toBeCloseTo(160, 10);
    expect(aapl.marketValue).toBe(200);
    // The price did not move: all 40 EUR of the gain is the dollar's rise.
    expect(aapl.unrealizedFxPnl).toBeCloseTo(40, 10);
  });

  it("takes a listing quoted in pence at the pound's rate over 100", async () => {
    const ledger = ledgerOf([
      withSymbol('VOD', entry('BUY', '2024-01-02', { quantity: 100, price: 70 })), // 7,000 GBp
    ]);
    const { loaders: l, asked } = loaders({ VOD: { price: 80, change: 0 } });
    const book = await bookOf(ledger, 'USD', l, TODAY);
    const [vod] = await holdingsOf(book, l);
    expect(asked.fx).toEqual(['USD', 'GBP']);
    // 7,000 pence = 70 GBP at 1.2 = 84 USD; 8,000 pence = 80 GBP at 1.3 = 104 USD.
    expect(vod.currency).toBe('GBp');
    expect(vod.fxRate).toBeCloseTo(0.013, 12);
    expect(vod.costBasis).toBeCloseTo(84, 10);
    expect(vod.marketValue).toBeCloseTo(104, 10);
    expect(vod.local).toMatchObject({ costBasis: 7000, marketValue: 8000 });
    // The pound's part: 70 GBP × (1.3 − 1.2) = 7; the price's: 10 GBP × 1.3 = 13.
    expect(vod.unrealizedFxPnl).toBeCloseTo(7, 10);
  });

  it('loads no rate when everything is listed in the base currency', async () => {
    const ledger = ledgerOf([
      withSymbol('KO', entry('BUY', '2024-01-02', { quantity: 1, price: 60 })),
    ]);
    const { loaders: l, asked } = loaders({ KO: { price: 61, change: 1 } });
    const book = await bookOf(ledger, 'USD', l, TODAY);
    expect(book.single).toBe(true);
    expect(book.state).toBe(ledger.state);
    expect(asked.fx).toEqual([]);
    const [ko] = await holdingsOf(book, l);
    expect(ko).toMatchObject({ fxRate: 1, costBasis: 60, marketValue: 61, unrealizedFxPnl: 0 });
  });

  it('is UPSTREAM_UNAVAILABLE for a currency no provider has rates for, never rate 1', async () => {
    const ledger = ledgerOf([
      withSymbol('INFY', entry('BUY', '2024-01-02', { quantity: 1, price: 1 })),
    ]);
    const { loaders: l } = loaders({});
    await expect(bookOf(ledger, 'CHF', l, TODAY)).rejects.toMatchObject({
      extensions: { code: 'UPSTREAM_UNAVAILABLE' },
      message: expect.stringMatching(/CHF/),
    });
  });

  it("attributes a holding's change to its rate day by day", async () => {
    // 10 INFY held at a flat 1,500 INR; the rupee goes 0.013 → 0.011 → 0.0125 (USD).
    const ledger = ledgerOf([
      withSymbol('INFY', entry('BUY', '2024-01-02', { quantity: 10, price: 1500 })),
    ]);
    const closes = {
      INFY: { '2024-01-31': 1500, '2024-02-01': 1500, '2024-02-02': 1500, [TODAY]: 1500 },
    };
    const { loaders: l } = loaders({}, closes);
    const book = await bookOf(ledger, 'USD', l, TODAY);
    const view = await performanceOf(
      ledger.entries,
      l,
      { from: '2024-02-01', to: TODAY },
      TODAY,
      0,
      book,
    );
    // Start (Jan 31, at 0.012): 180. Days: 195 (0.013), 165 (0.011), 187.5 (0.0125).
    expect(view.startValue).toBeCloseTo(180, 10);
    expect(view.endValue).toBeCloseTo(187.5, 10);
    const { attribution } = view;
    // Currency: 15,000 × (0.001 − 0.002 + 0.0015) = 7.5; the price did not move.
    expect(attribution.currency).toBeCloseTo(7.5, 10);
    expect(attribution.price).toBeCloseTo(0, 10);
    expect(attribution.total).toBeCloseTo(7.5, 10);
  });
});
