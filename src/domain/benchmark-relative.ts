import { ratio, sampleCovariance, sampleVariance, YEAR_BARS } from './analytics';
import type { PriceBar } from './market';
import type { IndexPoint } from './performance';

/** A portfolio's time-weighted index against a benchmark's adjusted closes. */
export interface BenchmarkRelative {
  /** Daily return pairs the figures are computed from. */
  observations: number;
  /** Benchmark adjClose at the last paired date / at the first − 1. */
  benchmarkReturn: number | null;
  /** cov(rp, rb) / var(rb), sample (n − 1) in both. */
  beta: number | null;
  /** Jensen's alpha, annualised: (mean rp × 252 − rf) − beta × (mean rb × 252 − rf). */
  alpha: number | null;
  /** (Sample std (n − 1) of the daily active returns rp − rb) × √252. */
  trackingError: number | null;
  /** Mean active return × 252 / trackingError. */
  informationRatio: number | null;
}

const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;

/**
 * Daily return pairs on the dates both series have: the index's points whose date has a
 * benchmark bar, and its first point valued at the benchmark's last adjClose on or
 * before that date (as the portfolio's start is valued at the closes before the range).
 * The portfolio's return between two paired dates compounds its daily returns in
 * between, so a date the benchmark lacks folds into the next.
 */
export function pairedReturns(
  points: readonly IndexPoint[],
  benchmark: readonly PriceBar[],
): { portfolio: number[]; benchmark: number[]; first: number | null; last: number | null } {
  const byDate = new Map(benchmark.map((bar) => [bar.date, bar.adjClose]));
  const portfolio: number[] = [];
  const market: number[] = [];
  let previous: number | null = null;
  let first: number | null = null;
  let growth = 1;
  points.forEach((point, i) => {
    growth *= 1 + point.dailyReturn;
    let level = byDate.get(point.date);
    if (i === 0 && level === undefined) {
      level = benchmark.findLast((bar) => bar.date <= point.date)?.adjClose;
    }
    if (level === undefined || !(level > 0)) return;
    if (previous === null) first = level;
    else {
      portfolio.push(growth - 1);
      market.push(level / previous - 1);
    }
    previous = level;
    growth = 1;
  });
  return { portfolio, benchmark: market, first, last: previous };
}

/**
 * The benchmark-relative figures of an index (see {@link BenchmarkRelative}), over the
 * return pairs of {@link pairedReturns}. `riskFreeRate` is annual. Beta, alpha and the
 * tracking error need two pairs; null where a divisor is zero.
 */
export function relativeToBenchmark(
  points: readonly IndexPoint[],
  benchmark: readonly PriceBar[],
  riskFreeRate = 0,
): BenchmarkRelative {
  const paired = pairedReturns(points, benchmark);
  const rp = paired.portfolio;
  const rb = paired.benchmark;
  const observations = rp.length;
  const benchmarkReturn =
    observations > 0 && paired.first !== null && paired.last !== null
      ? ratio(paired.last - paired.first, paired.first)
      : null;
  if (observations < 2) {
    return {
      observations,
      benchmarkReturn,
      beta: null,
      alpha: null,
      trackingError: null,
      informationRatio: null,
    };
  }
  const beta = ratio(sampleCovariance(rp, rb), sampleVariance(rb));
  const annual = (returns: readonly number[]) => mean(returns) * YEAR_BARS - riskFreeRate;
  const alpha = beta === null ? null : annual(rp) - beta * annual(rb);
  const active = rp.map((r, i) => r - rb[i]);
  const variance = sampleVariance(active);
  const trackingError = variance === null ? null : Math.sqrt(variance) * Math.sqrt(YEAR_BARS);
  return {
    observations,
    benchmarkReturn,
    beta,
    alpha: alpha !== null && Number.isFinite(alpha) ? alpha : null,
    trackingError,
    informationRatio: ratio(mean(active) * YEAR_BARS, trackingError),
  };
}
