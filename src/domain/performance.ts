/**
 * Portfolio return arithmetic on a daily value series. Values and flows are plain
 * numbers here: they come from exact ledger decimals times market prices, and a return
 * is a ratio shown to a few decimals.
 */

/** One day of a portfolio: its value at the close and the external flow that day (+ in). */
export interface ValuedDay {
  date: string;
  value: number;
  flow: number;
}

const EPSILON = 1e-9;

/**
 * Time-weighted return, daily: each day's return is value / (previous value + that
 * day's flow) − 1 (a flow is invested from the start of its day), chained. `start` is
 * the value before the first day. Null when a day has money at work but nothing to
 * measure it against (a non-positive base with a non-zero value).
 */
export function timeWeightedReturn(start: number, days: readonly ValuedDay[]): number | null {
  let growth = 1;
  let previous = start;
  for (const day of days) {
    const base = previous + day.flow;
    if (base <= EPSILON) {
      if (Math.abs(day.value) > EPSILON) return null;
    } else {
      growth *= day.value / base;
    }
    previous = day.value;
  }
  return Number.isFinite(growth) ? growth - 1 : null;
}

/**
 * One close of the time-weighted index: the growth of one unit invested at the start of
 * the measured period, net of external flows.
 */
export interface IndexPoint {
  date: string;
  level: number;
  /** The day's return, value_t / (value_{t−1} + flow_t) − 1; 0 at the first point. */
  dailyReturn: number;
}

/**
 * The daily time-weighted index of a value series: level 1 at the close before money was
 * first at work (the start, when `start` holds money; else the day before the first
 * flow), then level × (1 + the day's return) each day, as {@link timeWeightedReturn}
 * chains them (its last level − 1 is that return). A day with nothing at work, after
 * money was first at work, keeps its level with a return of 0. Empty when no money is
 * at work on any day; null where {@link timeWeightedReturn} is null.
 */
export function twrIndex(
  startDate: string,
  start: number,
  days: readonly ValuedDay[],
): IndexPoint[] | null {
  const points: IndexPoint[] =
    start > EPSILON ? [{ date: startDate, level: 1, dailyReturn: 0 }] : [];
  let level = 1;
  let previous = start;
  let previousDate = startDate;
  for (const day of days) {
    const base = previous + day.flow;
    if (base <= EPSILON) {
      if (Math.abs(day.value) > EPSILON) return null;
      if (points.length > 0) points.push({ date: day.date, level, dailyReturn: 0 });
    } else {
      if (points.length === 0) points.push({ date: previousDate, level: 1, dailyReturn: 0 });
      // The same product as timeWeightedReturn, so that the last level − 1 equals it.
      level *= day.value / base;
      if (!Number.isFinite(level)) return null;
      points.push({ date: day.date, level, dailyReturn: day.value / base - 1 });
    }
    previous = day.value;
    previousDate = day.date;
  }
  return points;
}

/** A dated cash flow from the investor's side: negative paid in, positive taken out. */
export interface CashFlow {
  date: string;
  amount: number;
}

const yearsBetween = (from: string, to: string) =>
  (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / (365 * 86_400_000);

/**
 * XIRR: the annual rate r with Σ amount_i / (1 + r)^(days_i / 365) = 0 (Actual/365, from
 * the first flow's date). Newton's method, falling back to bisection. Null without both
 * a payment and a receipt, or when no rate in (−99.99 %, 10^6) solves it.
 */
export function xirr(flows: readonly CashFlow[]): number | null {
  const live = flows.filter((f) => Math.abs(f.amount) > EPSILON);
  if (!live.some((f) => f.amount < 0) || !live.some((f) => f.amount > 0)) return null;
  const origin = live.reduce((min, f) => (f.date < min ? f.date : min), live[0].date);
  const terms = live.map((f) => ({ t: yearsBetween(origin, f.date), amount: f.amount }));
  const npv = (r: number) => terms.reduce((sum, { t, amount }) => sum + amount / (1 + r) ** t, 0);
  const slope = (r: number) =>
    terms.reduce((sum, { t, amount }) => sum - (t * amount) / (1 + r) ** (t + 1), 0);

  let rate = 0.1;
  for (let i = 0; i < 50; i += 1) {
    const value = npv(rate);
    if (Math.abs(value) < 1e-10) return rate;
    const derivative = slope(rate);
    if (!Number.isFinite(derivative) || derivative === 0) break;
    const next = rate - value / derivative;
    if (!Number.isFinite(next) || next <= -0.9999) break;
    if (Math.abs(next - rate) < 1e-12) return next;
    rate = next;
  }
  let low = -0.9999;
  let high = 1e6;
  let atLow = npv(low);
  if (Math.sign(atLow) === Math.sign(npv(high))) return null;
  for (let i = 0; i < 300; i += 1) {
    const mid = (low + high) / 2;
    const atMid = npv(mid);
    if (Math.abs(atMid) < 1e-10 || high - low < 1e-12) return mid;
    if (Math.sign(atMid) === Math.sign(atLow)) {
      low = mid;
      atLow = atMid;
    } else {
      high = mid;
    }
  }
  return (low + high) / 2;
}

/** Sample correlation (Pearson) of two equally long series; null when either is constant. */
export function correlation(a: readonly number[], b: readonly number[]): number | null {
  if (a.length < 2 || a.length !== b.length) return null;
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i += 1) {
    cov += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  if (va < 1e-20 || vb < 1e-20) return null;
  const r = cov / Math.sqrt(va * vb);
  return Number.isFinite(r) ? Math.max(-1, Math.min(1, r)) : null;
}
