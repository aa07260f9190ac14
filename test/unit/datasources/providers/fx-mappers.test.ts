import { checkAlphaVantageBody } from '../../../../src/datasources/providers/alphavantage/alphavantage.mappers';
import { mapAlphaVantageFx } from '../../../../src/datasources/providers/alphavantage/alphavantage-fx.mappers';
import { fmpFxSymbol, mapFmpFx } from '../../../../src/datasources/providers/fmp/fmp-fx.mappers';
import { ProviderError } from '../../../../src/datasources/providers/provider-error';
import { fixture } from '../../../fixtures/providers/fake-upstream';

// The FX mappers against recorded-format fixtures (test/fixtures/providers/), with values
// read off the fixture by hand.

const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof ProviderError ? error.failure : `not a ProviderError: ${String(error)}`;
  }
  return 'no error';
};

describe('FMP forex end-of-day history', () => {
  it('asks for the pair symbol against USD', () => {
    expect(fmpFxSymbol('EUR')).toBe('EURUSD');
  });

  it('maps the daily closes oldest first, as USD per unit', () => {
    const mapped = mapFmpFx('EUR', fixture('fmp', 'historical-price-eod-full-forex'))!;
    expect(mapped.invalid).toBe(0);
    expect(mapped.value).toEqual({
      currency: 'EUR',
      source: 'fmp',
      points: [
        { date: '2025-01-31', rate: 1.03615 },
        { date: '2025-02-03', rate: 1.03469 },
        { date: '2025-02-04', rate: 1.03765 },
      ],
    });
  });

  it('drops and counts malformed rows and rows of another symbol', () => {
    const [good] = fixture<Array<Record<string, unknown>>>(
      'fmp',
      'historical-price-eod-full-forex',
    );
    const mapped = mapFmpFx('EUR', [
      good,
      { ...good, date: '2025-02-30' },
      { ...good, date: '2025-02-05', close: 'n/a' },
      { ...good, date: '2025-02-06', close: null },
      { ...good, date: '2025-02-07', symbol: 'GBPUSD' },
      { symbol: 'EURUSD', date: '2025-02-10' },
      'not a row',
      { ...good, date: '2025-02-11', close: '1.04' },
    ])!;
    expect(mapped.invalid).toBe(6);
    expect(mapped.value.points).toEqual([
      { date: '2025-02-04', rate: 1.03765 },
      { date: '2025-02-11', rate: 1.04 },
    ]);
  });

  it('reads a pair quoted the other way round (USDJPY) inverted', () => {
    expect(fmpFxSymbol('JPY', true)).toBe('USDJPY');
    const row = { symbol: 'USDJPY', open: 149, high: 150, low: 148, volume: 1 };
    const mapped = mapFmpFx(
      'JPY',
      [
        { ...row, date: '2025-02-04', close: 150 },
        { ...row, date: '2025-02-03', close: 160 },
        { ...row, date: '2025-02-05', close: 0 },
        { ...row, date: '2025-02-06', symbol: 'JPYUSD', close: 0.0066 },
      ],
      true,
    )!;
    expect(mapped.invalid).toBe(2);
    expect(mapped.value).toEqual({
      currency: 'JPY',
      source: 'fmp',
      points: [
        { date: '2025-02-03', rate: 1 / 160 },
        { date: '2025-02-04', rate: 1 / 150 },
      ],
    });
  });

  it('reads an empty array as a pair FMP does not list, and any other shape as a failure', () => {
    expect(mapFmpFx('ZZZ', [])).toBeNull();
    expect(failure(() => mapFmpFx('EUR', fixture('fmp', 'error-limit')))).toBe('invalid');
    expect(failure(() => mapFmpFx('EUR', { historical: [] }))).toBe('invalid');
  });
});

describe('Alpha Vantage FX_DAILY', () => {
  it('maps "4. close" of each day oldest first, as USD per unit', () => {
    const mapped = mapAlphaVantageFx('EUR', fixture('alphavantage', 'fx-daily'))!;
    expect(mapped.invalid).toBe(0);
    expect(mapped.value).toEqual({
      currency: 'EUR',
      source: 'alphavantage',
      points: [
        { date: '2025-01-31', rate: 1.0362 },
        { date: '2025-02-03', rate: 1.0347 },
        { date: '2025-02-04', rate: 1.0376 },
      ],
    });
  });

  it('drops and counts malformed days', () => {
    const body = fixture<Record<string, Record<string, unknown>>>('alphavantage', 'fx-daily');
    const series = body['Time Series FX (Daily)'];
    const day = series['2025-02-04'];
    const mapped = mapAlphaVantageFx('EUR', {
      ...body,
      'Time Series FX (Daily)': {
        ...series,
        '2025-02-31': day,
        'last friday': day,
        '2025-02-05': { ...(day as object), '4. close': 'None' },
        '2025-02-06': { '1. open': '1.0' },
        '2025-02-07': 'closed',
        '2025-02-10': { ...(day as object), '4. close': '1.0410' },
      },
    })!;
    expect(mapped.invalid).toBe(5);
    expect(mapped.value.points.map((p) => p.date)).toEqual([
      '2025-01-31',
      '2025-02-03',
      '2025-02-04',
      '2025-02-10',
    ]);
    expect(mapped.value.points[3].rate).toBe(1.041);
  });

  it('reads "Invalid API call" as an unknown currency, and leaves it to the mapper', () => {
    const invalid = fixture('alphavantage', 'error-invalid-call-fx-daily');
    expect(failure(() => checkAlphaVantageBody(invalid))).toBe('no error');
    expect(mapAlphaVantageFx('ZZZ', invalid)).toBeNull();
  });

  it('turns rate-limit notes and key errors into provider failures before mapping', () => {
    expect(failure(() => checkAlphaVantageBody(fixture('alphavantage', 'note-frequency')))).toBe(
      'throttled',
    );
    expect(
      failure(() => checkAlphaVantageBody(fixture('alphavantage', 'information-daily-limit'))),
    ).toBe('throttled');
    expect(failure(() => checkAlphaVantageBody(fixture('alphavantage', 'error-missing-key')))).toBe(
      'http',
    );
  });

  it('fails on another pair than asked, or a body that is not the documented shape', () => {
    expect(failure(() => mapAlphaVantageFx('GBP', fixture('alphavantage', 'fx-daily')))).toBe(
      'invalid',
    );
    expect(failure(() => mapAlphaVantageFx('EUR', { 'Time Series FX (Daily)': {} }))).toBe(
      'invalid',
    );
    expect(failure(() => mapAlphaVantageFx('EUR', []))).toBe('invalid');
  });
});
