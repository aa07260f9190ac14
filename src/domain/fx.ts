/**
 * Foreign exchange: daily rates of one currency against the US dollar, from which any
 * pair is crossed. Every provider is asked for `<CCY>USD` only, so the cache holds one
 * series per currency, not one per pair.
 */

/** The currency every series is quoted against. */
export const FX_ANCHOR = 'USD';

/** ISO 4217: three capital letters. */
export const CURRENCY = /^[A-Z]{3}$/;

/** `source` of the anchor's own series: no provider is asked for USD in USD. */
export const FIXED_SOURCE = 'fixed';

/** One day's rate: units of USD for one unit of the currency (EUR → 1.08). */
export interface FxPoint {
  date: string;
  rate: number;
}

/** Daily rates of one currency against USD, oldest first. USD's own series is empty. */
export interface FxSeries {
  currency: string;
  points: FxPoint[];
  /** The provider that answered. */
  source: string;
}

/** The rate between two currencies on one day. */
export interface FxRate {
  from: string;
  to: string;
  /** The day of the rate used (the last on or before the day asked). */
  date: string;
  /** Units of `to` for one unit of `from`. */
  rate: number;
  /** The provider(s) of the series crossed. */
  source: string;
}

/** USD's own series: empty, since its rate is 1 on every day. A fresh object each call. */
export function anchorSeries(): FxSeries {
  return { currency: FX_ANCHOR, points: [], source: FIXED_SOURCE };
}

/**
 * A currency code as typed (`" eur "`) trimmed and upper-cased, or null when it is not
 * three letters. Whether the currency exists is for the providers to say.
 */
export function normalizeCurrency(raw: string): string | null {
  const code = raw.trim().toUpperCase();
  return CURRENCY.test(code) ? code : null;
}

/** The rate of `series` on `date`: that day's, or the last one before it (weekends). */
export function usdRateOn(series: FxSeries, date: string): FxPoint | null {
  if (series.currency === FX_ANCHOR) return { date, rate: 1 };
  const { points } = series;
  let low = 0;
  let high = points.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (points[mid].date <= date) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found < 0 ? null : points[found];
}

/**
 * Units of `to` for one unit of `from` on `date`, crossed through USD: null when either
 * currency has no rate on or before that day. `date` of the answer is the older of the
 * two rates used.
 */
export function crossRate(
  from: FxSeries,
  to: FxSeries,
  date: string,
): { rate: number; date: string } | null {
  if (from.currency === to.currency) return { rate: 1, date };
  const a = usdRateOn(from, date);
  const b = usdRateOn(to, date);
  if (!a || !b || !(b.rate > 0)) return null;
  return { rate: a.rate / b.rate, date: a.date < b.date ? a.date : b.date };
}
