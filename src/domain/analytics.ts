import type { Dividend, FinancialStatement, PriceBar } from './market';

/**
 * The "Analytics conventions" of the product contract, as pure functions. Every metric
 * is a number or null: null where inputs are missing, too few, or a divisor is zero;
 * never NaN or Infinity. Ratios are fractions. Price series are daily bars, oldest
 * first; "the last N bars" end at the latest bar.
 */

/** Bars in a year of trading: the window of the 1-year metrics. */
export const YEAR_BARS = 252;

/** A finite number, or null. */
function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** a / b, or null when b is zero or either side is missing. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return finite(a / b);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

// Below this, a variance is rounding noise of a constant series: treated as zero, so
// that a divisor made of it gives null rather than a huge number.
const VARIANCE_EPSILON = 1e-20;

/** Sample variance (n − 1); null under two values; 0 for a constant series. */
export function sampleVariance(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  const variance = values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1);
  return variance < VARIANCE_EPSILON ? 0 : variance;
}

/** Sample covariance (n − 1) of two equally long series; null under two values. */
export function sampleCovariance(a: readonly number[], b: readonly number[]): number | null {
  if (a.length < 2 || a.length !== b.length) return null;
  const ma = mean(a);
  const mb = mean(b);
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += (a[i] - ma) * (b[i] - mb);
  return sum / (a.length - 1);
}

/** Simple returns p[i] / p[i−1] − 1 of a price series. */
function simpleReturns(prices: readonly number[]): number[] {
  const returns: number[] = [];
  for (let i = 1; i < prices.length; i += 1) returns.push(prices[i] / prices[i - 1] - 1);
  return returns;
}

/** The last `n` items, or null when there are fewer. */
function last<T>(items: readonly T[], n: number): T[] | null {
  return items.length >= n ? items.slice(items.length - n) : null;
}

/** adjClose of the latest bar / adjClose 252 bars earlier − 1. */
export function return1y(bars: readonly PriceBar[]): number | null {
  const window = last(bars, YEAR_BARS + 1);
  return window ? ratio(window[YEAR_BARS].adjClose - window[0].adjClose, window[0].adjClose) : null;
}

/** Sample std (n − 1) of the last 252 daily log returns of adjClose × √252. */
export function volatility(bars: readonly PriceBar[]): number | null {
  const window = last(bars, YEAR_BARS + 1);
  if (!window) return null;
  const logs: number[] = [];
  for (let i = 1; i < window.length; i += 1) {
    logs.push(Math.log(window[i].adjClose / window[i - 1].adjClose));
  }
  const variance = sampleVariance(logs);
  return variance === null ? null : finite(Math.sqrt(variance) * Math.sqrt(YEAR_BARS));
}

/**
 * cov / var of daily simple returns of adjClose, stock vs benchmark, over the last 252
 * dates both have (returns between consecutive common dates; n − 1 in both).
 */
export function beta(bars: readonly PriceBar[], benchmark: readonly PriceBar[]): number | null {
  const benchmarkByDate = new Map(benchmark.map((b) => [b.date, b.adjClose]));
  const common = bars.filter((b) => benchmarkByDate.has(b.date));
  const window = last(common, YEAR_BARS + 1);
  if (!window) return null;
  const stock = simpleReturns(window.map((b) => b.adjClose));
  const market = simpleReturns(window.map((b) => benchmarkByDate.get(b.date)!));
  return ratio(sampleCovariance(stock, market), sampleVariance(market));
}

/**
 * (mean of the last 252 daily simple returns × 252 − riskFreeRate) / (their sample std ×
 * √252).
 */
export function sharpeRatio(bars: readonly PriceBar[], riskFreeRate = 0): number | null {
  const window = last(bars, YEAR_BARS + 1);
  if (!window) return null;
  const returns = simpleReturns(window.map((b) => b.adjClose));
  const variance = sampleVariance(returns);
  if (variance === null) return null;
  return ratio(
    mean(returns) * YEAR_BARS - riskFreeRate,
    Math.sqrt(variance) * Math.sqrt(YEAR_BARS),
  );
}

/** Over the last 252 bars of adjClose: max of 1 − P_t / max(P_s, s ≤ t); 0 when it never fell. */
export function maxDrawdown(bars: readonly PriceBar[]): number | null {
  const window = last(bars, YEAR_BARS);
  if (!window) return null;
  let peak = -Infinity;
  let worst = 0;
  for (const { adjClose } of window) {
    peak = Math.max(peak, adjClose);
    if (peak <= 0) return null;
    worst = Math.max(worst, 1 - adjClose / peak);
  }
  return finite(worst);
}

/** Mean of the last `n` closes. */
export function sma(bars: readonly PriceBar[], n: number): number | null {
  const window = last(bars, n);
  return window ? finite(mean(window.map((b) => b.close))) : null;
}

/**
 * Wilder RSI(14) of closes over the last 253 bars: the first averages are the simple
 * means of the first 14 gains and losses, then avg = (avg × 13 + x) / 14. Computed as
 * 100 × avgGain / (avgGain + avgLoss), which equals 100 − 100 / (1 + RS) and is 100 when
 * nothing fell; null when nothing moved.
 */
export function rsi14(bars: readonly PriceBar[]): number | null {
  const window = last(bars, YEAR_BARS + 1);
  if (!window) return null;
  const changes = simpleDiffs(window.map((b) => b.close));
  const period = 14;
  let gain = mean(changes.slice(0, period).map((c) => Math.max(c, 0)));
  let loss = mean(changes.slice(0, period).map((c) => Math.max(-c, 0)));
  for (const change of changes.slice(period)) {
    gain = (gain * (period - 1) + Math.max(change, 0)) / period;
    loss = (loss * (period - 1) + Math.max(-change, 0)) / period;
  }
  const scaled = ratio(100 * gain, gain + loss);
  return scaled;
}

function simpleDiffs(values: readonly number[]): number[] {
  const diffs: number[] = [];
  for (let i = 1; i < values.length; i += 1) diffs.push(values[i] - values[i - 1]);
  return diffs;
}

/** Max high of the last 252 bars. */
export function high52w(bars: readonly PriceBar[]): number | null {
  const window = last(bars, YEAR_BARS);
  return window ? Math.max(...window.map((b) => b.high)) : null;
}

/** Min low of the last 252 bars. */
export function low52w(bars: readonly PriceBar[]): number | null {
  const window = last(bars, YEAR_BARS);
  return window ? Math.min(...window.map((b) => b.low)) : null;
}

const DAY_MS = 86_400_000;

/**
 * Sum of dividends with ex-date in the 365 days ending at the latest bar / latest
 * close. Null with no dividend history at all (a non-payer), 0 for a payer that paid
 * nothing in that year.
 */
export function dividendYield(
  bars: readonly PriceBar[],
  dividends: readonly Dividend[],
): number | null {
  const latest = bars[bars.length - 1];
  if (!latest || dividends.length === 0) return null;
  const end = Date.parse(`${latest.date}T00:00:00Z`);
  const start = end - 365 * DAY_MS;
  const sum = dividends
    .filter((d) => {
      const t = Date.parse(`${d.exDate}T00:00:00Z`);
      return t > start && t <= end;
    })
    .reduce((total, d) => total + d.amount, 0);
  return ratio(sum, latest.close);
}

/** Total dividends per calendar year (by ex-date). */
function totalsByYear(dividends: readonly Dividend[]): Map<number, number> {
  const totals = new Map<number, number>();
  for (const d of dividends) {
    const year = Number(d.exDate.slice(0, 4));
    totals.set(year, (totals.get(year) ?? 0) + d.amount);
  }
  return totals;
}

/** (total of calendar year Y−1 / total of Y−6)^(1/5) − 1, Y = year of the latest bar. */
export function dividendGrowth5y(
  bars: readonly PriceBar[],
  dividends: readonly Dividend[],
): number | null {
  const latest = bars[bars.length - 1];
  if (!latest || dividends.length === 0) return null;
  const y = Number(latest.date.slice(0, 4));
  const totals = totalsByYear(dividends);
  const growth = ratio(totals.get(y - 1) ?? 0, totals.get(y - 6) ?? 0);
  return growth === null || growth < 0 ? null : finite(growth ** (1 / 5) - 1);
}

/** Consecutive calendar years up to Y−1 whose total exceeds the year before's. */
export function dividendStreakYears(
  bars: readonly PriceBar[],
  dividends: readonly Dividend[],
): number | null {
  const latest = bars[bars.length - 1];
  if (!latest || dividends.length === 0) return null;
  const totals = totalsByYear(dividends);
  let streak = 0;
  for (let year = Number(latest.date.slice(0, 4)) - 1; ; year -= 1) {
    if ((totals.get(year) ?? 0) > (totals.get(year - 1) ?? 0) && totals.has(year - 1)) streak += 1;
    else break;
  }
  return streak;
}

/** Inputs of the fundamental ratios: the annual statements, newest first, price and market cap. */
export interface FundamentalInputs {
  annual: readonly FinancialStatement[];
  price: number | null;
  marketCap: number | null;
}

/** The fundamental ratios of the contract, from the latest annual statements. */
export function fundamentals({ annual, price, marketCap }: FundamentalInputs) {
  const [s0, s1, , s3] = annual;
  const abs = (v: number | null | undefined) =>
    v === null || v === undefined ? null : Math.abs(v);
  const growth = (a: number | null | undefined, b: number | null | undefined) => {
    const r = ratio(a, b);
    return r === null ? null : finite(r - 1);
  };
  const cagr3 = () => {
    const r = ratio(s0?.revenue, s3?.revenue);
    return r === null || r < 0 ? null : finite(r ** (1 / 3) - 1);
  };
  const enterpriseValue =
    marketCap !== null && s0?.totalDebt != null && s0?.cashAndEquivalents != null
      ? marketCap + s0.totalDebt - s0.cashAndEquivalents
      : null;
  return {
    payoutRatio: ratio(abs(s0?.dividendsPaid), s0?.netIncome),
    peRatio: ratio(price, s0?.epsDiluted),
    earningsYield: ratio(s0?.epsDiluted, price),
    pbRatio: ratio(marketCap, s0?.totalEquity),
    psRatio: ratio(marketCap, s0?.revenue),
    fcfYield: ratio(s0?.freeCashFlow, marketCap),
    evToEbitda: ratio(enterpriseValue, s0?.ebitda),
    grossMargin: ratio(s0?.grossProfit, s0?.revenue),
    operatingMargin: ratio(s0?.operatingIncome, s0?.revenue),
    netMargin: ratio(s0?.netIncome, s0?.revenue),
    roe: ratio(s0?.netIncome, s0?.totalEquity),
    roa: ratio(s0?.netIncome, s0?.totalAssets),
    debtToEquity: ratio(s0?.totalDebt, s0?.totalEquity),
    currentRatio: ratio(s0?.totalCurrentAssets, s0?.totalCurrentLiabilities),
    interestCoverage: ratio(s0?.operatingIncome, s0?.interestExpense),
    revenueGrowth1y: growth(s0?.revenue, s1?.revenue),
    revenueCagr3y: s3 ? cagr3() : null,
    epsGrowth1y: growth(s0?.epsDiluted, s1?.epsDiluted),
  };
}
