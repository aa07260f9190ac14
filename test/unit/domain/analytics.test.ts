import {
  beta,
  dividendGrowth5y,
  dividendStreakYears,
  dividendYield,
  fundamentals,
  high52w,
  low52w,
  maxDrawdown,
  return1y,
  rsi14,
  sharpeRatio,
  sma,
  volatility,
} from '../../../src/domain/analytics';
import type { FinancialStatement, PriceBar } from '../../../src/domain/market';

// Series built so that each definition can be worked out independently, by hand or by
// a naive loop written here, not by the code under test.

const day = (i: number) =>
  new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
const series = (prices: number[], from = 0): PriceBar[] =>
  prices.map((p, i) => ({
    date: day(from + i),
    open: p,
    high: p * 1.01,
    low: p * 0.99,
    close: p,
    adjClose: p,
    volume: 1,
  }));
const geometric = (n: number, start: number, growth: number) =>
  Array.from({ length: n }, (_, i) => start * (1 + growth) ** i);

describe('price metrics', () => {
  it('are null with fewer bars than their window, never NaN', () => {
    const short = series(geometric(100, 10, 0.01));
    for (const metric of [return1y, volatility, sharpeRatio, maxDrawdown, rsi14, high52w, low52w]) {
      expect(metric(short)).toBeNull();
    }
    expect(sma(short, 200)).toBeNull();
    expect(beta(short, short)).toBeNull();
    expect(sma(series([]), 50)).toBeNull();
  });

  it('on steady 0.1 % daily growth: return1y = 1.001^252 − 1, volatility 0, Sharpe null (zero std), no drawdown', () => {
    const bars = series(geometric(300, 50, 0.001));
    expect(return1y(bars)).toBeCloseTo(1.001 ** 252 - 1, 12);
    expect(volatility(bars)).toBeCloseTo(0, 12);
    expect(sharpeRatio(bars)).toBeNull();
    expect(maxDrawdown(bars)).toBe(0);
    expect(rsi14(bars)).toBe(100);
  });

  it('volatility and Sharpe on an alternating series match a direct computation', () => {
    const prices = Array.from({ length: 253 }, (_, i) => (i % 2 === 0 ? 100 : 110));
    const bars = series(prices);
    const logs = prices.slice(1).map((p, i) => Math.log(p / prices[i]));
    const m = logs.reduce((a, b) => a + b, 0) / logs.length;
    const std = Math.sqrt(logs.reduce((a, b) => a + (b - m) ** 2, 0) / (logs.length - 1));
    expect(volatility(bars)).toBeCloseTo(std * Math.sqrt(252), 12);

    const simple = prices.slice(1).map((p, i) => p / prices[i] - 1);
    const sm = simple.reduce((a, b) => a + b, 0) / simple.length;
    const sstd = Math.sqrt(simple.reduce((a, b) => a + (b - sm) ** 2, 0) / (simple.length - 1));
    expect(sharpeRatio(bars, 0.02)).toBeCloseTo((sm * 252 - 0.02) / (sstd * Math.sqrt(252)), 12);
  });

  it('beta is 2 for a stock moving twice the benchmark, over the dates both have', () => {
    const marketReturns = Array.from({ length: 300 }, (_, i) => 0.01 * Math.sin(i));
    const market = [100];
    const stock = [100];
    for (const r of marketReturns) {
      market.push(market[market.length - 1] * (1 + r));
      stock.push(stock[stock.length - 1] * (1 + 2 * r));
    }
    const benchmarkBars = series(market);
    // The stock is missing the benchmark's first 10 dates: only common dates count.
    const stockBars = series(stock).slice(10);
    expect(beta(stockBars, benchmarkBars)).toBeCloseTo(2, 10);
    expect(beta(benchmarkBars, benchmarkBars)).toBeCloseTo(1, 12);
  });

  it('maxDrawdown finds the deepest fall from a running peak within the last 252 bars', () => {
    const prices = [
      ...geometric(100, 100, 0.007),
      200,
      180,
      150,
      170,
      210,
      160,
      ...Array(146).fill(170),
    ];
    // Worst: 150 after a peak of 200 (25 %); later 160 after 210 is 23.8 %.
    expect(maxDrawdown(series(prices))).toBeCloseTo(0.25, 12);
  });

  it('rsi14 follows Wilder smoothing, checked against a direct loop', () => {
    const prices = Array.from({ length: 253 }, (_, i) => 100 + 5 * Math.sin(i / 3) + i * 0.01);
    const changes = prices.slice(1).map((p, i) => p - prices[i]);
    let gain = changes.slice(0, 14).reduce((a, c) => a + Math.max(c, 0), 0) / 14;
    let loss = changes.slice(0, 14).reduce((a, c) => a + Math.max(-c, 0), 0) / 14;
    for (const c of changes.slice(14)) {
      gain = (gain * 13 + Math.max(c, 0)) / 14;
      loss = (loss * 13 + Math.max(-c, 0)) / 14;
    }
    expect(rsi14(series(prices))).toBeCloseTo(100 - 100 / (1 + gain / loss), 10);
    expect(rsi14(series(Array(253).fill(10)))).toBeNull();
  });

  it('sma, high52w and low52w read the last N bars', () => {
    const bars = series(Array.from({ length: 260 }, (_, i) => i + 1));
    expect(sma(bars, 50)).toBe((211 + 260) / 2);
    expect(high52w(bars)).toBeCloseTo(260 * 1.01, 12);
    expect(low52w(bars)).toBeCloseTo(9 * 0.99, 12);
  });
});

describe('dividend metrics', () => {
  const bars = series([40, 50], 700); // latest bar 2025-12-02 (day 701), close 50
  const div = (exDate: string, amount: number) => ({ exDate, paymentDate: null, amount });

  it('dividendYield sums the 365 days ending at the latest bar over the latest close', () => {
    const latest = bars[1].date;
    expect(latest).toBe('2025-12-02');
    const dividends = [
      div('2024-12-01', 9),
      div('2024-12-02', 9),
      div('2024-12-03', 1),
      div('2025-06-01', 1.5),
    ];
    expect(dividendYield(bars, dividends)).toBeCloseTo((1 + 1.5) / 50, 12);
    expect(dividendYield(bars, [])).toBeNull();
    expect(dividendYield(bars, [div('2020-01-01', 1)])).toBe(0);
  });

  it('dividendGrowth5y compares calendar years Y−1 and Y−6', () => {
    const dividends = [div('2019-03-01', 1), div('2019-09-01', 1), div('2024-03-01', 3)];
    expect(dividendGrowth5y(bars, dividends)).toBeCloseTo((3 / 2) ** (1 / 5) - 1, 12);
    expect(dividendGrowth5y(bars, [div('2024-03-01', 3)])).toBeNull();
  });

  it('dividendStreakYears counts years up to Y−1 that beat the year before', () => {
    const dividends = [2019, 2020, 2021, 2022, 2023, 2024].map((y, i) =>
      div(`${y}-05-01`, [1, 0.5, 0.6, 0.7, 0.8, 0.9][i]),
    );
    expect(dividendStreakYears(bars, dividends)).toBe(4);
    expect(dividendStreakYears(bars, [])).toBeNull();
  });
});

describe('fundamental ratios', () => {
  const statement = (fields: Partial<FinancialStatement>): FinancialStatement => ({
    fiscalYear: 2024,
    period: 'FY',
    date: '2024-12-31',
    revenue: 1000,
    grossProfit: 600,
    operatingIncome: 300,
    netIncome: 200,
    ebitda: 350,
    epsDiluted: 2,
    interestExpense: 30,
    totalAssets: 4000,
    totalCurrentAssets: 900,
    totalCurrentLiabilities: 600,
    totalDebt: 800,
    totalEquity: 1600,
    cashAndEquivalents: 300,
    operatingCashFlow: 280,
    capitalExpenditure: -80,
    freeCashFlow: 200,
    dividendsPaid: -50,
    sharesOutstanding: 100,
    ...fields,
  });

  it('compute each definition from the latest annual statements, price and market cap', () => {
    const annual = [
      statement({}),
      statement({ revenue: 800, epsDiluted: 1.6 }),
      statement({ revenue: 700 }),
      statement({ revenue: 512 }),
    ];
    expect(fundamentals({ annual, price: 40, marketCap: 4000 })).toEqual({
      payoutRatio: 50 / 200,
      peRatio: 20,
      earningsYield: 0.05,
      pbRatio: 2.5,
      psRatio: 4,
      fcfYield: 0.05,
      evToEbitda: (4000 + 800 - 300) / 350,
      grossMargin: 0.6,
      operatingMargin: 0.3,
      netMargin: 0.2,
      roe: 0.125,
      roa: 0.05,
      debtToEquity: 0.5,
      currentRatio: 1.5,
      interestCoverage: 10,
      revenueGrowth1y: 1000 / 800 - 1,
      revenueCagr3y: expect.closeTo((1000 / 512) ** (1 / 3) - 1, 12),
      epsGrowth1y: expect.closeTo(2 / 1.6 - 1, 12),
    });
  });

  it('are null for zero divisors and missing statements, never Infinity', () => {
    const zero = fundamentals({
      annual: [statement({ revenue: 0, totalEquity: 0, interestExpense: 0, epsDiluted: 0 })],
      price: 10,
      marketCap: null,
    });
    expect(Object.values(zero).every((v) => v === null || Number.isFinite(v))).toBe(true);
    expect(zero).toMatchObject({
      peRatio: null,
      grossMargin: null,
      roe: null,
      interestCoverage: null,
      pbRatio: null,
      revenueGrowth1y: null,
      revenueCagr3y: null,
    });
    const none = fundamentals({ annual: [], price: 10, marketCap: 100 });
    expect(Object.values(none).every((v) => v === null)).toBe(true);
  });
});
