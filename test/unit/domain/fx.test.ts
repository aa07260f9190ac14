import {
  anchorSeries,
  crossRate,
  normalizeCurrency,
  usdRateOn,
  type FxSeries,
} from '../../../src/domain/fx';

const series = (currency: string, points: Array<[string, number]>): FxSeries => ({
  currency,
  points: points.map(([date, rate]) => ({ date, rate })),
  source: 'test',
});

// Thursday 2025-01-30 to Monday 2025-02-03.
const EUR = series('EUR', [
  ['2025-01-30', 1.04],
  ['2025-01-31', 1.0362],
  ['2025-02-03', 1.0347],
]);
const INR = series('INR', [
  ['2025-01-30', 0.01155],
  ['2025-01-31', 0.01154],
  ['2025-02-03', 0.01145],
]);

describe('usdRateOn', () => {
  it("takes the day's rate, and at a weekend Friday's", () => {
    expect(usdRateOn(EUR, '2025-01-31')).toEqual({ date: '2025-01-31', rate: 1.0362 });
    expect(usdRateOn(EUR, '2025-02-01')).toEqual({ date: '2025-01-31', rate: 1.0362 });
    expect(usdRateOn(EUR, '2025-02-02')).toEqual({ date: '2025-01-31', rate: 1.0362 });
    expect(usdRateOn(EUR, '2025-02-03')).toEqual({ date: '2025-02-03', rate: 1.0347 });
    expect(usdRateOn(EUR, '2030-01-01')).toEqual({ date: '2025-02-03', rate: 1.0347 });
  });

  it('is null before the first point and for an empty series', () => {
    expect(usdRateOn(EUR, '2025-01-29')).toBeNull();
    expect(usdRateOn(series('EUR', []), '2025-01-31')).toBeNull();
  });

  it('is 1 for USD on any day', () => {
    expect(usdRateOn(anchorSeries(), '1999-12-31')).toEqual({ date: '1999-12-31', rate: 1 });
  });
});

describe('crossRate', () => {
  it('crosses through USD: EUR→INR = EURUSD / INRUSD', () => {
    const cross = crossRate(EUR, INR, '2025-01-31')!;
    expect(cross.date).toBe('2025-01-31');
    expect(cross.rate).toBeCloseTo(1.0362 / 0.01154, 10);
    expect(crossRate(INR, EUR, '2025-01-31')!.rate).toBeCloseTo(0.01154 / 1.0362, 12);
  });

  it('falls back to Friday at weekends, and dates the answer by the older rate', () => {
    expect(crossRate(EUR, INR, '2025-02-02')).toEqual({
      date: '2025-01-31',
      rate: 1.0362 / 0.01154,
    });
    const stale = series('INR', [['2025-01-30', 0.01155]]);
    expect(crossRate(EUR, stale, '2025-02-03')).toEqual({
      date: '2025-01-30',
      rate: 1.0347 / 0.01155,
    });
  });

  it('crosses with USD on either side', () => {
    expect(crossRate(EUR, anchorSeries(), '2025-01-31')).toEqual({
      date: '2025-01-31',
      rate: 1.0362,
    });
    expect(crossRate(anchorSeries(), EUR, '2025-01-31')!.rate).toBeCloseTo(1 / 1.0362, 12);
  });

  it('is null when either side has no rate on or before the day', () => {
    expect(crossRate(EUR, INR, '2025-01-29')).toBeNull();
    expect(crossRate(EUR, series('INR', []), '2025-01-31')).toBeNull();
  });

  it('is 1 for a currency against itself', () => {
    expect(crossRate(EUR, EUR, '2025-01-31')).toEqual({ date: '2025-01-31', rate: 1 });
  });
});

describe('normalizeCurrency', () => {
  it('trims and upper-cases three letters, and refuses anything else', () => {
    expect(normalizeCurrency(' eur ')).toBe('EUR');
    for (const bad of ['', 'EU', 'EURO', 'E1R', 'US$', 'É€R', 'EUR\u0000']) {
      expect(normalizeCurrency(bad)).toBeNull();
    }
  });
});
