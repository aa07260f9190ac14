import { pairedReturns, relativeToBenchmark } from '../../../src/domain/benchmark-relative';
import type { PriceBar } from '../../../src/domain/market';
import type { IndexPoint } from '../../../src/domain/performance';

const bar = (date: string, adjClose: number): PriceBar => ({
  date,
  open: adjClose,
  high: adjClose,
  low: adjClose,
  close: adjClose,
  adjClose,
  volume: 0,
});

/** An index with these daily returns, the first point on `dates[0]`. */
function indexOf(dates: string[], returns: number[]): IndexPoint[] {
  let level = 1;
  return dates.map((date, i) => {
    const dailyReturn = i === 0 ? 0 : returns[i - 1];
    level *= 1 + dailyReturn;
    return { date, level, dailyReturn };
  });
}

const DATES = ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-08'];

describe('relativeToBenchmark (hand-computed, 4 daily returns)', () => {
  // rp = +2 %, −3 %, +4 %, +1 %; rb = +1 %, −2 %, +3 %, 0 %.
  const portfolio = indexOf(DATES, [0.02, -0.03, 0.04, 0.01]);
  const benchmark = [100, 101, 98.98, 101.9494, 101.9494].map((p, i) => bar(DATES[i], p));

  it('gives beta, Jensen alpha, tracking error and information ratio', () => {
    // mean rp = 0.01, mean rb = 0.005. Deviations rb: .005 −.025 .025 −.005 → var (n−1)
    // = 0.0013 / 3; rp: .01 −.04 .03 0 → cov = (0.00005 + 0.001 + 0.00075 + 0) / 3 = 0.0018 / 3.
    // beta = 0.0018 / 0.0013 = 18/13. alpha = 0.01 × 252 − 18/13 × 0.005 × 252 = 10.08/13.
    // Active returns +1 %, −1 %, +1 %, +1 %: mean 0.005, sample std √(0.0003 / 3) = 0.01,
    // TE = 0.01 × √252 = 0.158745; IR = 0.005 × 252 / TE = 0.5 × √252 = 7.937254.
    // Benchmark return: 1.01 × 0.98 × 1.03 × 1 − 1 = 0.019494.
    const relative = relativeToBenchmark(portfolio, benchmark);
    expect(relative.observations).toBe(4);
    expect(relative.beta).toBeCloseTo(18 / 13, 10);
    expect(relative.alpha).toBeCloseTo(10.08 / 13, 10);
    expect(relative.trackingError).toBeCloseTo(0.1587450787, 10);
    expect(relative.informationRatio).toBeCloseTo(7.9372539332, 8);
    expect(relative.benchmarkReturn).toBeCloseTo(0.019494, 12);
  });

  it('subtracts the risk-free rate from both sides of alpha', () => {
    // RISK_FREE_RATE 2.52 %: (2.52 − 0.0252) − 18/13 × (1.26 − 0.0252) = 10.08/13 + 0.0252 × 5/13.
    expect(relativeToBenchmark(portfolio, benchmark, 0.0252).alpha).toBeCloseTo(0.7850769231, 10);
  });

  it('is beta 1, alpha 0 and tracking error 0 (information ratio null) against itself', () => {
    const same = indexOf(DATES, [0.01, -0.02, 0.03, 0]);
    const relative = relativeToBenchmark(same, benchmark);
    expect(relative.beta).toBeCloseTo(1, 10);
    expect(relative.alpha).toBeCloseTo(0, 10);
    expect(relative.trackingError).toBe(0);
    expect(relative.informationRatio).toBeNull();
  });

  it('is null under two pairs (benchmark return with one), never NaN', () => {
    const one = relativeToBenchmark(portfolio.slice(0, 2), benchmark);
    expect(one).toEqual({
      observations: 1,
      benchmarkReturn: expect.closeTo(0.01, 12),
      beta: null,
      alpha: null,
      trackingError: null,
      informationRatio: null,
    });
    expect(relativeToBenchmark([], benchmark)).toMatchObject({
      observations: 0,
      benchmarkReturn: null,
    });
    expect(relativeToBenchmark(portfolio, []).beta).toBeNull();
  });
});

describe('pairedReturns', () => {
  it('values the first point at the last close on or before it, and folds dates the benchmark lacks', () => {
    // The index starts on a Sunday (the close before the range); the benchmark has Friday,
    // Monday and Wednesday.
    const index = indexOf(
      ['2024-01-07', '2024-01-08', '2024-01-09', '2024-01-10'],
      [0.01, 0.02, -0.01],
    );
    const paired = pairedReturns(index, [
      bar('2024-01-05', 100),
      bar('2024-01-08', 102),
      bar('2024-01-10', 100.98),
    ]);
    // Sun → Mon: rp 1 %, rb 102 / 100 − 1 = 2 %. Mon → Wed: rp 1.02 × 0.99 − 1 = 0.98 %, rb −1 %.
    expect(paired.portfolio).toEqual([expect.closeTo(0.01, 12), expect.closeTo(0.0098, 12)]);
    expect(paired.benchmark).toEqual([expect.closeTo(0.02, 12), expect.closeTo(-0.01, 12)]);
    expect([paired.first, paired.last]).toEqual([100, 100.98]);
  });
});
