import Decimal from 'decimal.js';
import {
  apply,
  applyToHoldings,
  emptyLedger,
  entryProblem,
  openQuantity,
  LedgerError,
  positionsOf,
  replay,
  replayInBase,
  type HoldingsAndCash,
  type LedgerEntry,
  type TransactionType,
} from '../../../src/domain/ledger';
import { timeWeightedReturn, xirr } from '../../../src/domain/performance';

const d = (value: number | string) => new Decimal(value);
function entry(
  type: TransactionType,
  date: string,
  fields: Partial<
    Record<'symbol' | 'quantity' | 'price' | 'fee' | 'amount' | 'ratio', string | number>
  > = {},
): LedgerEntry {
  return {
    type,
    date,
    symbol: (fields.symbol as string) ?? null,
    quantity: fields.quantity !== undefined ? d(fields.quantity) : null,
    price: fields.price !== undefined ? d(fields.price) : null,
    fee: d(fields.fee ?? 0),
    amount: fields.amount !== undefined ? d(fields.amount) : null,
    ratio: fields.ratio !== undefined ? d(fields.ratio) : null,
  };
}

describe('ledger (hand-computed cases)', () => {
  it('matches lots first-in-first-out, with fees in costs and proceeds', () => {
    const state = replay([
      entry('DEPOSIT', '2024-01-01', { amount: 5000 }),
      entry('BUY', '2024-01-02', { symbol: 'KO', quantity: 10, price: 50, fee: 5 }), // lot 1: 505 → 50.5/share
      entry('BUY', '2024-02-01', { symbol: 'KO', quantity: 10, price: 60, fee: 5 }), // lot 2: 605 → 60.5/share
      entry('SELL', '2024-03-01', { symbol: 'KO', quantity: 15, price: 70, fee: 10 }),
    ]);
    // Proceeds 15 × 70 − 10 = 1040; cost 10 × 50.5 + 5 × 60.5 = 807.5; realized 232.5.
    expect(state.realizedPnl.toString()).toBe('232.5');
    const [ko] = positionsOf(state);
    expect(ko.quantity.toString()).toBe('5');
    expect(ko.costBasis.toString()).toBe('302.5');
    expect(ko.averageCost.toString()).toBe('60.5');
    // Cash: 5000 − 505 − 605 + 1040 = 4930.
    expect(state.cash.toString()).toBe('4930');
    expect(state.invested.toString()).toBe('1110');
  });

  it('applies a split to open lots: quantity × r, price ÷ r, cost unchanged', () => {
    const state = replay([
      entry('BUY', '2020-01-02', { symbol: 'AAPL', quantity: 3, price: 300, fee: 1 }), // 901
      entry('SPLIT', '2020-08-31', { symbol: 'AAPL', ratio: 4 }),
      entry('SELL', '2020-09-01', { symbol: 'AAPL', quantity: 2, price: 130 }),
    ]);
    const [aapl] = positionsOf(state);
    expect(aapl.quantity.toString()).toBe('10');
    // Cost per share 901 / 3 / 4 = 75.0833…; two sold for 260: realized 260 − 2 × 901/12.
    expect(state.realizedPnl.toString()).toBe(d(260).minus(d(901).div(12).times(2)).toString());
    expect(aapl.costBasis.toFixed(10)).toBe(d(901).times(10).div(12).toFixed(10));
  });

  it('keeps exact decimals: ten buys of 0.1 shares at 0.1 cost exactly 0.1', () => {
    const state = replay(
      Array.from({ length: 10 }, () =>
        entry('BUY', '2024-01-02', { symbol: 'X', quantity: '0.1', price: '0.1' }),
      ),
    );
    expect(positionsOf(state)[0].costBasis.toString()).toBe('0.1');
    expect(positionsOf(state)[0].quantity.toString()).toBe('1');
  });

  it('refuses a sell beyond the open quantity at its date, naming the entry', () => {
    const entries = [
      entry('BUY', '2024-02-01', { symbol: 'KO', quantity: 5, price: 50 }),
      entry('SELL', '2024-01-15', { symbol: 'KO', quantity: 1, price: 50 }), // before the buy
    ];
    expect(() => replay(entries)).toThrow(LedgerError);
    try {
      replay(entries);
    } catch (error) {
      expect((error as LedgerError).index).toBe(1);
      expect((error as Error).message).toMatch(/only 0 are open on 2024-01-15/);
    }
  });

  it('counts dividends, fees and withdrawals in cash', () => {
    const state = replay([
      entry('DEPOSIT', '2024-01-01', { amount: 1000 }),
      entry('DIVIDEND', '2024-02-01', { symbol: 'KO', amount: '12.34' }),
      entry('FEE', '2024-03-01', { amount: 2 }),
      entry('WITHDRAWAL', '2024-04-01', { amount: 100 }),
    ]);
    expect(state.cash.toString()).toBe('910.34');
    expect(state.dividendsReceived.toString()).toBe('12.34');
    expect(state.fees.toString()).toBe('2');
  });

  it('validates entries on their own', () => {
    const today = '2026-11-22';
    expect(
      entryProblem(entry('BUY', '2026-11-23', { symbol: 'KO', quantity: 1, price: 1 }), today),
    ).toMatch(/future/);
    expect(
      entryProblem(entry('BUY', '2026-11-20', { symbol: 'KO', quantity: 0, price: 1 }), today),
    ).toMatch(/quantity/);
    expect(
      entryProblem(entry('SELL', '2026-11-20', { symbol: 'KO', quantity: 1, price: -1 }), today),
    ).toMatch(/price/);
    expect(entryProblem(entry('DEPOSIT', '2026-11-20', {}), today)).toMatch(/amount/);
    expect(entryProblem(entry('SPLIT', '2026-11-20', { symbol: 'KO', ratio: 0 }), today)).toMatch(
      /ratio/,
    );
    expect(
      entryProblem(
        entry('BUY', '2026-11-20', { symbol: 'KO', quantity: 1, price: 1, fee: -1 }),
        today,
      ),
    ).toMatch(/fee/);
    expect(
      entryProblem(entry('BUY', '2026-11-20', { symbol: 'KO', quantity: 1, price: 1 }), today),
    ).toBeNull();
  });
});

describe('ledger in a base currency (hand-computed cases)', () => {
  it('converts each entry at its own date: cost at the buys, proceeds at the sell', () => {
    // A USD portfolio holding an INR listing. Rates: units of USD per INR on each date.
    const rates: Record<string, string> = {
      '2024-01-02': '0.012',
      '2024-02-01': '0.0125',
      '2024-03-01': '0.011',
      '2024-04-01': '0.01',
    };
    const state = replayInBase(
      [
        entry('DEPOSIT', '2024-01-01', { amount: 1000 }), // USD: never converted
        entry('BUY', '2024-01-02', { symbol: 'INFY', quantity: 10, price: 1500, fee: 20 }), // 15,020 INR
        entry('BUY', '2024-02-01', { symbol: 'INFY', quantity: 10, price: 1600 }), // 16,000 INR
        entry('SELL', '2024-03-01', { symbol: 'INFY', quantity: 15, price: 1700, fee: 50 }),
        entry('DIVIDEND', '2024-04-01', { symbol: 'INFY', amount: 100 }),
        entry('FEE', '2024-04-01', { amount: 2 }), // USD
      ],
      (e) => (e.symbol ? d(rates[e.date]) : d(1)),
    );
    // Lots: 15,020 INR at 0.012 (180.24 USD) and 16,000 INR at 0.0125 (200 USD).
    // Sold 15: cost 15,020 + 5 × 1,600 = 23,020 INR; in USD 180.24 + 8,000 × 0.0125 = 280.24.
    // Proceeds 15 × 1,700 − 50 = 25,450 INR × 0.011 = 279.95 USD.
    expect(state.realizedPnl.toString()).toBe('-0.29');
    // Currency's part: the cost at the sell's rate, 23,020 × 0.011 = 253.22, minus 280.24.
    expect(state.realizedFx.toString()).toBe('-27.02');
    // So the price made 279.95 − 253.22 = 26.73 and the rupee's fall took 27.02.
    expect(state.realizedPnl.minus(state.realizedFx).toString()).toBe('26.73');
    expect(state.dividendsReceived.toString()).toBe('1');
    // Cash: 1,000 − 180.24 − 200 + 279.95 + 1 − 2.
    expect(state.cash.toString()).toBe('898.71');
    expect(state.invested.toString()).toBe('380.24');
    const [infy] = positionsOf(state);
    // 5 left of the second lot: 8,000 INR, 100 USD at its buy's rate.
    expect(infy.quantity.toString()).toBe('5');
    expect(infy.costBasis.toString()).toBe('8000');
    expect(infy.costBasisBase.toString()).toBe('100');
  });

  it('is the plain replay when every rate is 1', () => {
    const entries = [
      entry('BUY', '2024-01-02', { symbol: 'KO', quantity: 3, price: 60, fee: 1 }),
      entry('SPLIT', '2024-02-01', { symbol: 'KO', ratio: 2 }),
      entry('SELL', '2024-03-01', { symbol: 'KO', quantity: 4, price: 35 }),
    ];
    const plain = replay(entries);
    const based = replayInBase(entries, () => d(1));
    expect(based.realizedPnl.toString()).toBe(plain.realizedPnl.toString());
    expect(based.realizedFx.toString()).toBe('0');
    expect(positionsOf(based)).toEqual(positionsOf(plain));
    // 181 paid for 3, split into 6, 4 sold: the 2 left cost 181 / 3, in both currencies.
    expect(positionsOf(based)[0].costBasisBase.toString()).toBe(
      positionsOf(plain)[0].costBasis.toString(),
    );
    expect(positionsOf(plain)[0].costBasis.toFixed(6)).toBe('60.333333');
  });
});

describe('returns (hand-computed cases)', () => {
  it('time-weighted return chains daily returns and neutralises flows', () => {
    // Day 1: deposit 100, worth 110 (+10 %). Day 2: deposit 110 more, total 220 → 242 (+10 %).
    const twr = timeWeightedReturn(0, [
      { date: '2024-01-01', value: 110, flow: 100 },
      { date: '2024-01-02', value: 242, flow: 110 },
    ]);
    expect(twr).toBeCloseTo(1.1 * 1.1 - 1, 12);
    // A withdrawal is a negative flow: 242 → take 142 out, 100 left, ends at 90 (−10 %).
    expect(timeWeightedReturn(242, [{ date: '2024-01-03', value: 90, flow: -142 }])).toBeCloseTo(
      -0.1,
      12,
    );
    expect(timeWeightedReturn(0, [])).toBe(0);
  });

  it('XIRR of 1,000 paid and 1,100 received a 365-day year later is 10 %', () => {
    expect(
      xirr([
        { date: '2023-01-01', amount: -1000 },
        { date: '2024-01-01', amount: 1100 },
      ]),
    ).toBeCloseTo(0.1, 10);
  });

  it('XIRR with several flows solves Σ c / (1 + r)^(days / 365) = 0', () => {
    const flows = [
      { date: '2020-01-01', amount: -10000 },
      { date: '2020-07-01', amount: -5000 },
      { date: '2021-03-15', amount: 2000 },
      { date: '2022-01-01', amount: 16000 },
    ];
    const r = xirr(flows)!;
    const npv = flows.reduce(
      (sum, f) =>
        sum +
        f.amount /
          (1 + r) ** ((Date.parse(f.date) - Date.parse('2020-01-01')) / (365 * 86_400_000)),
      0,
    );
    expect(Math.abs(npv)).toBeLessThan(1e-6);
    expect(r).toBeGreaterThan(0.05);
    expect(xirr([{ date: '2020-01-01', amount: -1 }])).toBeNull();
  });
});

describe('applyToHoldings', () => {
  it('moves cash and open quantities exactly as apply does, over random ledgers', () => {
    const random = (() => {
      let seed = 42;
      return () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    })();
    const symbols = ['AAA', 'BBB', 'CCC'];
    for (let round = 0; round < 50; round += 1) {
      const full = emptyLedger();
      const light: HoldingsAndCash = { cash: new Decimal(0), open: new Map() };
      for (let i = 0; i < 200; i += 1) {
        const symbol = symbols[Math.floor(random() * symbols.length)];
        const held = full.open.get(symbol);
        const roll = random();
        const base = {
          date: '2024-01-02',
          symbol,
          fee: new Decimal('0.5'),
          quantity: null,
          price: null,
          amount: null,
          ratio: null,
        };
        const entry: LedgerEntry =
          roll < 0.3 && held && held.gt(1)
            ? {
                ...base,
                type: 'SELL',
                quantity: held.div(2).toDecimalPlaces(3),
                price: new Decimal('101.25'),
              }
            : roll < 0.35 && held
              ? { ...base, type: 'SPLIT', ratio: new Decimal(2) }
              : roll < 0.45
                ? { ...base, type: 'DIVIDEND', amount: new Decimal('3.33') }
                : roll < 0.5
                  ? { ...base, type: 'FEE', amount: new Decimal('1.1') }
                  : {
                      ...base,
                      type: 'BUY',
                      quantity: new Decimal(1 + Math.floor(random() * 9)),
                      price: new Decimal('99.99'),
                    };
        apply(full, entry);
        applyToHoldings(light, entry);
        // The open quantity kept by apply is the sum of the lots.
        const lots = (full.lots.get(symbol) ?? []).reduce(
          (sum, lot) => sum.plus(lot.quantity),
          new Decimal(0),
        );
        expect(openQuantity(full, symbol).toString()).toBe(lots.toString());
        expect(light.cash.toString()).toBe(full.cash.toString());
        expect([...light.open].map(([s, q]) => [s, q.toString()]).sort()).toEqual(
          [...full.open].map(([s, q]) => [s, q.toString()]).sort(),
        );
      }
    }
  });
});
