import { anchorSeries, type FxSeries } from '../../../src/domain/fx';
import { BadUserInputError } from '../../../src/errors/errors';
import { fxRate } from '../../../src/services/fx-rate';

const series = (currency: string, source: string, rate: number): FxSeries => ({
  currency,
  source,
  points: [
    { date: '2026-03-12', rate },
    { date: '2026-03-13', rate: rate * 1.01 },
  ],
});
const SERIES: Record<string, FxSeries> = {
  USD: anchorSeries(),
  EUR: series('EUR', 'fmp', 1.08),
  INR: series('INR', 'alphavantage', 0.012),
  GBP: series('GBP', 'fmp', 1.27),
};

function deps() {
  const asked: string[] = [];
  return {
    asked,
    series: async (currency: string) => {
      asked.push(currency);
      return SERIES[currency] ?? null;
    },
    window: { from: '2016-12-04', to: '2026-12-04' },
  };
}

const refusal = async (run: () => Promise<unknown>) => {
  const error = await run().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BadUserInputError);
  return (error as BadUserInputError).extensions;
};

describe('fxRate', () => {
  it('crosses through USD, dated by the day of the rates used, naming both providers', async () => {
    const d = deps();
    expect(await fxRate({ from: 'EUR', to: 'INR', date: '2026-03-15' }, d)).toEqual({
      from: 'EUR',
      to: 'INR',
      date: '2026-03-13',
      rate: (1.08 * 1.01) / (0.012 * 1.01),
      source: 'fmp+alphavantage',
    });
    expect(await fxRate({ from: 'EUR', to: 'GBP', date: '2026-03-12' }, d)).toMatchObject({
      rate: 1.08 / 1.27,
      source: 'fmp',
    });
    // USD's fixed series is no provider.
    expect(await fxRate({ from: 'usd', to: 'inr', date: '2026-03-12' }, d)).toMatchObject({
      from: 'USD',
      to: 'INR',
      rate: 1 / 0.012,
      source: 'alphavantage',
    });
  });

  it('defaults the day to today, the end of the window', async () => {
    expect((await fxRate({ from: 'EUR', to: 'USD' }, deps()))!.date).toBe('2026-03-13');
  });

  it('is null for an unknown currency or a day before its first rate, and 1 against itself', async () => {
    const d = deps();
    expect(await fxRate({ from: 'ZZZ', to: 'USD', date: '2026-03-12' }, d)).toBeNull();
    expect(await fxRate({ from: 'EUR', to: 'USD', date: '2020-01-02' }, d)).toBeNull();
    d.asked.length = 0;
    expect(await fxRate({ from: 'ZZZ', to: 'zzz', date: '2026-03-12' }, d)).toEqual({
      from: 'ZZZ',
      to: 'ZZZ',
      date: '2026-03-12',
      rate: 1,
      source: 'fixed',
    });
    expect(d.asked).toEqual([]);
  });

  it('refuses malformed codes and days out of the window, naming the argument, before any lookup', async () => {
    const d = deps();
    expect(await refusal(() => fxRate({ from: 'E1R', to: 'USD' }, d))).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'from',
    });
    expect(await refusal(() => fxRate({ from: 'EUR', to: 'U$D' }, d))).toMatchObject({
      argument: 'to',
    });
    expect(
      await refusal(() => fxRate({ from: 'EUR', to: 'USD', date: '2026-12-05' }, d)),
    ).toMatchObject({ argument: 'date', problem: 'in the future', max: '2026-12-04' });
    expect(
      await refusal(() => fxRate({ from: 'EUR', to: 'USD', date: '2016-12-03' }, d)),
    ).toMatchObject({ argument: 'date', problem: 'before the history window', min: '2016-12-04' });
    expect(d.asked).toEqual([]);
  });
});
