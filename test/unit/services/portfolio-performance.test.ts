import Decimal from 'decimal.js';
import type { LedgerEntry, TransactionType } from '../../../src/domain/ledger';
import { benchmarkComparisonOf } from '../../../src/services/portfolio-benchmark';
import { performanceOf } from '../../../src/services/portfolio-performance';
import { historyLoaderOf, type Closes } from '../../fixtures/flat-bars';

const d = (value: number) => new Decimal(value);
function entry(
  type: TransactionType,
  date: string,
  fields: Partial<Record<'symbol' | 'quantity' | 'price' | 'fee' | 'amount', string | number>> = {},
): LedgerEntry {
  const decimal = (v: string | number | undefined) => (v === undefined ? null : d(Number(v)));
  return {
    type,
    date,
    symbol: (fields.symbol as string) ?? null,
    quantity: decimal(fields.quantity),
    price: decimal(fields.price),
    fee: d(Number(fields.fee ?? 0)),
    amount: decimal(fields.amount),
    ratio: null,
  };
}

/** A history loader over fixed closes (adjClose = close); unknown symbols are null. */
function historyOf(closes: Closes) {
  return { history: historyLoaderOf(closes) };
}

const CLOSES = {
  AAA: {
    '2024-01-02': 50,
    '2024-01-03': 52,
    '2024-01-04': 51,
    '2024-01-05': 54,
    '2024-01-08': 55,
    '2024-01-09': 53,
    '2024-01-10': 57,
  },
  BBB: {
    '2024-01-02': 98,
    '2024-01-03': 99,
    '2024-01-04': 101,
    '2024-01-05': 100,
    '2024-01-08': 104,
    '2024-01-09': 102,
    '2024-01-10': 103,
  },
};

const LEDGER = [
  entry('DEPOSIT', '2024-01-02', { amount: 10000 }),
  entry('BUY', '2024-01-02', { symbol: 'AAA', quantity: 100, price: 50, fee: 5 }),
  entry('BUY', '2024-01-04', { symbol: 'BBB', quantity: 20, price: 100, fee: 2 }),
  entry('DIVIDEND', '2024-01-05', { symbol: 'AAA', amount: 30 }),
  entry('SELL', '2024-01-08', { symbol: 'AAA', quantity: 40, price: 56, fee: 4 }),
  entry('FEE', '2024-01-09', { amount: 10 }),
  entry('WITHDRAWAL', '2024-01-10', { amount: 1000 }),
];

const TODAY = '2024-06-28';

describe('performanceOf (hand-computed)', () => {
  it('attributes the range return to price, dividends, currency and fees, summing to it', async () => {
    const p = await performanceOf(
      LEDGER,
      historyOf(CLOSES),
      { from: '2024-01-03', to: '2024-01-10' },
      TODAY,
    );
    // Start (close of 2 Jan): 100 AAA × 50 + cash 10000 − 5005 = 9995.
    // End (10 Jan): 60 AAA × 57 + 20 BBB × 103 = 5480, cash 4995 − 2002 + 30 + 2236 − 10
    // − 1000 = 4249: 9729. Net flows −1000. Return: 9729 − 9995 + 1000 = 734.
    expect(p).toMatchObject({ startValue: 9995, endValue: 9729, netFlows: -1000 });
    // Price: 5480 − 5000 − (2000 bought − 2240 sold) = 720 (AAA: 40 sold 6 up, 60 held
    // 7 up = 660; BBB: 20 × 3 = 60). Fees: −(2 + 4 commissions + 10 FEE) = −16.
    expect(p.attribution).toEqual({
      price: 720,
      dividends: 30,
      currency: 0,
      fees: -16,
      total: 734,
    });
    const a = p.attribution;
    expect(a.price! + a.dividends + a.currency! + a.fees).toBe(a.total);
    expect(a.total).toBeCloseTo(p.endValue - p.startValue - p.netFlows, 9);
  });

  it('gives the drawdown and Sortino ratio of the daily TWR index', async () => {
    const p = await performanceOf(
      LEDGER,
      historyOf(CLOSES),
      { from: '2024-01-03', to: '2024-01-10' },
      TODAY,
    );
    // Values 9995 (start), 10195, 10113, 10423, 10639, 10469, then 9729 after 1000 out.
    // Daily returns: +2.0010 %, −0.8043 %, +3.0654 %, +2.0723 %, −1.5979 %, and
    // 9729 / (10469 − 1000) − 1 = +2.7458 %. The deepest fall: 8 Jan (peak) to 9 Jan,
    // 1 − 10469 / 10639 = 1.5979 %; 10 Jan is above the peak (0.98402 × 1.027458 > 1).
    expect(p.maxDrawdown).toBeCloseTo(0.015978945389604315, 12);
    expect(p).toMatchObject({
      maxDrawdownPeak: '2024-01-08',
      maxDrawdownTrough: '2024-01-09',
      maxDrawdownRecovery: '2024-01-10',
      maxDrawdownDuration: 2,
    });
    const returns = [
      10195 / 9995,
      10113 / 10195,
      10423 / 10113,
      10639 / 10423,
      10469 / 10639,
      9729 / 9469,
    ].map((g) => g - 1);
    const mean = returns.reduce((s, r) => s + r, 0) / 6;
    const downside = Math.sqrt(returns.reduce((s, r) => s + Math.min(0, r) ** 2, 0) / 6);
    expect(p.sortinoRatio).toBeCloseTo((mean * 252) / (downside * Math.sqrt(252)), 9);
    expect(p.timeWeightedReturn).toBeCloseTo(0.07618389403805281, 12);
    expect(p.index!.at(-1)!.level - 1).toBeCloseTo(p.timeWeightedReturn!, 14);
  });

  it('attributes a trades-only ledger the same way (buys and sells are the flows)', async () => {
    const trades = LEDGER.filter((e) => e.type !== 'DEPOSIT' && e.type !== 'WITHDRAWAL');
    const p = await performanceOf(
      trades,
      historyOf(CLOSES),
      { from: '2024-01-03', to: '2024-01-10' },
      TODAY,
    );
    // The value is the holdings plus dividends less FEE entries (trade money is outside).
    // Start 5000; end 5480 + 30 − 10 = 5500; flows: the BBB buy 2002 in, the AAA sell
    // 2236 out, −234. Return 5500 − 5000 + 234 = 734: the same events, the same terms.
    expect(p.flowBasis).toBe('TRADES');
    const a = p.attribution;
    expect(a).toMatchObject({ price: 720, dividends: 30, currency: 0, fees: -16, total: 734 });
    expect(a.total).toBeCloseTo(p.endValue - p.startValue - p.netFlows, 9);
  });

  it('has no price term when a held symbol has no close, and nothing over an empty range', async () => {
    const unpriced = await performanceOf(
      [entry('BUY', '2024-01-02', { symbol: 'ZZZ', quantity: 1, price: 10 }), ...LEDGER],
      historyOf(CLOSES),
      { from: '2024-01-03', to: '2024-01-10' },
      TODAY,
    );
    expect(unpriced.attribution).toMatchObject({ price: null, total: null, dividends: 30 });
    const weekend = await performanceOf(
      LEDGER,
      historyOf(CLOSES),
      { from: '2024-01-06', to: '2024-01-07' },
      TODAY,
    );
    expect(weekend.attribution).toEqual({
      price: 0,
      dividends: 0,
      currency: 0,
      fees: 0,
      total: 0,
    });
    expect(weekend.maxDrawdown).toBeNull();
    expect(weekend.sortinoRatio).toBeNull();
  });
});

describe('benchmarkComparisonOf', () => {
  it('compares with a known symbol and refuses an unknown or malformed one naming the argument', async () => {
    const loaders = historyOf(CLOSES);
    const p = await performanceOf(
      LEDGER.filter((e) => e.symbol !== 'BBB'),
      loaders,
      { from: '2024-01-03', to: '2024-01-10' },
      TODAY,
    );
    const vsAaa = await benchmarkComparisonOf(p, loaders, 'AAA');
    expect(vsAaa).toMatchObject({ symbol: 'AAA', observations: 6 });
    expect(vsAaa.benchmarkReturn).toBeCloseTo(57 / 50 - 1, 12);
    const unknown = await benchmarkComparisonOf(p, loaders, 'NOPE').catch((e: unknown) => e);
    expect(unknown).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'symbol' },
    });
    const malformed = await benchmarkComparisonOf(p, loaders, 'a b').catch((e: unknown) => e);
    expect(malformed).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'symbol' },
    });
  });
});
