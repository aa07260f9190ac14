import { DataQuality, type RejectReason } from '../../../../src/datasources/providers/data-quality';
import type { PriceBar, Quote } from '../../../../src/domain/market';

const now = new Date('2026-11-20T18:00:00Z');

function gate() {
  const rejected: Array<[string, RejectReason]> = [];
  const quality = new DataQuality({
    maxDayMove: 1,
    now: () => now,
    onReject: (kind, reason) => rejected.push([kind, reason]),
  });
  return { quality, rejected };
}

const quote = (fields: Partial<Quote>): Quote => ({
  symbol: 'AAPL',
  price: 100,
  change: 1,
  changePercent: 0.01,
  open: 99,
  high: 101,
  low: 98,
  previousClose: 99,
  volume: 1_000,
  marketCap: null,
  timestamp: new Date('2026-11-20T17:59:00Z'),
  source: 'test',
  stale: false,
  ...fields,
});

const bar = (date: string, adjClose: number, fields: Partial<PriceBar> = {}): PriceBar => ({
  date,
  open: adjClose,
  high: adjClose,
  low: adjClose,
  close: adjClose,
  adjClose,
  volume: 10,
  ...fields,
});

describe('DataQuality', () => {
  it('keeps a sound quote and drops non-positive prices, future timestamps and jumps', () => {
    const { quality, rejected } = gate();
    expect(quality.quote(quote({}))).not.toBeNull();
    expect(quality.quote(quote({ price: 0 }))).toBeNull();
    expect(quality.quote(quote({ price: Number.NaN }))).toBeNull();
    // A minute of clock skew is tolerated; more is the future.
    expect(quality.quote(quote({ timestamp: new Date(now.getTime() + 30_000) }))).not.toBeNull();
    expect(quality.quote(quote({ timestamp: new Date(now.getTime() + 120_000) }))).toBeNull();
    // maxDayMove 1: a doubling passes, more does not; a halving passes, less does not.
    expect(quality.quote(quote({ price: 198, previousClose: 99 }))).not.toBeNull();
    expect(quality.quote(quote({ price: 199, previousClose: 99 }))).toBeNull();
    expect(quality.quote(quote({ price: 49.6, previousClose: 99 }))).not.toBeNull();
    expect(quality.quote(quote({ price: 49, previousClose: 99 }))).toBeNull();
    expect(rejected).toEqual([
      ['quote', 'non_positive_price'],
      ['quote', 'non_positive_price'],
      ['quote', 'future_timestamp'],
      ['quote', 'jump'],
      ['quote', 'jump'],
    ]);
  });

  it('drops bad bars, comparing each with the last one kept', () => {
    const { quality, rejected } = gate();
    const kept = quality.bars('AAPL', [
      bar('2026-11-16', 100),
      bar('2026-11-17', 500), // a spike: more than doubles
      bar('2026-11-18', 104), // compared with 100, not 500
      bar('2026-11-19', 105, { low: -1 }),
      bar('2026-11-20', 106),
      bar('2026-11-23', 107), // after today
    ]);
    expect(kept.map((b) => b.date)).toEqual(['2026-11-16', '2026-11-18', '2026-11-20']);
    expect(rejected.map(([, reason]) => reason)).toEqual([
      'jump',
      'non_positive_price',
      'future_timestamp',
    ]);
  });

  it('keeps announced future dividends and drops non-positive amounts and split ratios', () => {
    const { quality, rejected } = gate();
    const dividends = quality.dividends('KO', [
      { exDate: '2026-12-01', paymentDate: null, amount: 0.51 },
      { exDate: '2026-09-01', paymentDate: null, amount: 0 },
    ]);
    expect(dividends.map((d) => d.exDate)).toEqual(['2026-12-01']);
    expect(quality.splits('NVDA', [{ date: '2024-06-10', ratio: -10 }])).toEqual([]);
    expect(rejected).toEqual([
      ['dividends', 'non_positive_price'],
      ['splits', 'non_positive_price'],
    ]);
  });

  it('keeps FX rates finite, positive, really dated, not after today, sorted and one per date', () => {
    const { quality, rejected } = gate();
    const points: Array<{ date: string; rate: number }> = [
      { date: '2026-11-18', rate: 1.081 },
      { date: '2026-11-16', rate: 1.08 },
      { date: '2026-11-17', rate: 1.079 },
      { date: '2026-11-17', rate: 1.5 }, // a second rate for the day: the first stays
      { date: '2026-11-19', rate: 0 },
      { date: '2026-11-19', rate: Number.NaN },
      { date: '2026-11-19', rate: Number.POSITIVE_INFINITY },
      { date: '2026-02-30', rate: 1.08 },
      { date: '19 Nov 2026', rate: 1.08 },
      { date: '2026-11-20', rate: 10.8 }, // a tenfold jump
      { date: '2026-11-23', rate: 1.082 }, // after today
    ];
    const checked = quality.fx({ currency: 'EUR', points, source: 'test' });
    expect(checked).toEqual({
      currency: 'EUR',
      source: 'test',
      points: [
        { date: '2026-11-16', rate: 1.08 },
        { date: '2026-11-17', rate: 1.079 },
        { date: '2026-11-18', rate: 1.081 },
      ],
    });
    expect(rejected).toEqual([
      ['fx', 'non_positive_price'],
      ['fx', 'non_positive_price'],
      ['fx', 'non_positive_price'],
      ['fx', 'invalid'],
      ['fx', 'invalid'],
      ['fx', 'future_timestamp'],
      ['fx', 'invalid'],
      ['fx', 'jump'],
    ]);
    // The input is not reordered in place.
    expect(points[0].date).toBe('2026-11-18');
  });
});
