import { ratio, YEAR_BARS } from './analytics';
import type { IndexPoint } from './performance';

/**
 * Risk of a portfolio's time-weighted index ({@link IndexPoint}, from `twrIndex`): the
 * deepest fall from a peak and the Sortino ratio. Null where the inputs are too few or a
 * divisor is zero, never NaN or Infinity.
 */

/** The deepest fall of an index from a running peak, with its dates. */
export interface Drawdown {
  /** max over t of 1 − level_t / max(level_s, s ≤ t): a positive fraction, 0 if it never fell. */
  depth: number;
  /** The last close at the peak before the deepest fall; null when it never fell. */
  peak: string | null;
  /** The close at the bottom of that fall; null when it never fell. */
  trough: string | null;
  /** The first close after the trough back at the peak's level; null if none (yet). */
  recovery: string | null;
  /**
   * Calendar days from the peak to the recovery, or to the last point when it has not
   * recovered; 0 when it never fell.
   */
  durationDays: number;
}

// A level within this fraction of the peak is back at the peak: a chain of ratios that
// returns to its start rarely lands on it exactly in floating point.
const AT_PEAK = 1e-12;

const DAY_MS = 86_400_000;
const daysFrom = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/**
 * The maximum drawdown of an index and its duration. The first of equally deep falls
 * counts, from the last close at its peak. Null under two points.
 */
export function maxDrawdownOf(points: readonly IndexPoint[]): Drawdown | null {
  if (points.length < 2) return null;
  let peakLevel = points[0].level;
  let peakAt = 0;
  let worst = { depth: 0, peakAt: 0, troughAt: 0, peakLevel };
  points.forEach((point, i) => {
    if (point.level >= peakLevel * (1 - AT_PEAK)) {
      peakLevel = Math.max(peakLevel, point.level);
      peakAt = i;
      return;
    }
    const depth = peakLevel > 0 ? 1 - point.level / peakLevel : 0;
    if (depth > worst.depth) worst = { depth, peakAt, troughAt: i, peakLevel };
  });
  if (!Number.isFinite(worst.depth)) return null;
  if (worst.depth === 0) {
    return { depth: 0, peak: null, trough: null, recovery: null, durationDays: 0 };
  }
  const top = worst.peakLevel * (1 - AT_PEAK);
  const back = points.findIndex((p, i) => i > worst.troughAt && p.level >= top);
  const peak = points[worst.peakAt].date;
  const recovery = back === -1 ? null : points[back].date;
  return {
    depth: worst.depth,
    peak,
    trough: points[worst.troughAt].date,
    recovery,
    durationDays: daysFrom(peak, recovery ?? points[points.length - 1].date),
  };
}

/** Below this, a squared deviation is rounding noise: no downside at all. */
const SQUARE_EPSILON = 1e-20;

/**
 * Sortino ratio of the index's daily returns (target 0, as Sortino & Price): (mean daily
 * return × 252 − riskFreeRate) / (downside deviation × √252), where the downside
 * deviation is √(mean over all days of min(0, r_t)²). Null without a return, or when no
 * day lost (a zero downside deviation).
 */
export function sortinoRatio(points: readonly IndexPoint[], riskFreeRate = 0): number | null {
  const returns = points.slice(1).map((p) => p.dailyReturn);
  if (returns.length === 0) return null;
  const mean = returns.reduce((s, r) => s + r, 0) / returns.length;
  const downside = returns.reduce((s, r) => s + Math.min(0, r) ** 2, 0) / returns.length;
  if (!(downside >= SQUARE_EPSILON)) return null;
  return ratio(mean * YEAR_BARS - riskFreeRate, Math.sqrt(downside) * Math.sqrt(YEAR_BARS));
}
