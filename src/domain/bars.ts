import type { PriceBar } from './market';

/** Bar sizes `history` offers. */
export type BarInterval = 'DAILY' | 'WEEKLY' | 'MONTHLY';

// Monday of the ISO week of an ISO date.
function weekKey(date: string): string {
  const t = Date.parse(`${date}T00:00:00Z`);
  const weekday = (new Date(t).getUTCDay() + 6) % 7;
  return new Date(t - weekday * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Aggregates daily bars (oldest first) into weekly (Monday-based weeks) or monthly
 * bars: first open, last close and adjClose, max high, min low, summed volume, dated
 * by the period's first trading day.
 */
export function aggregateBars(bars: readonly PriceBar[], interval: BarInterval): PriceBar[] {
  if (interval === 'DAILY') return [...bars];
  const keyOf = interval === 'WEEKLY' ? weekKey : (date: string) => date.slice(0, 7);
  const result: PriceBar[] = [];
  let key: string | null = null;
  for (const bar of bars) {
    const k = keyOf(bar.date);
    const current = result[result.length - 1];
    if (k !== key || !current) {
      result.push({ ...bar });
      key = k;
      continue;
    }
    current.high = Math.max(current.high, bar.high);
    current.low = Math.min(current.low, bar.low);
    current.close = bar.close;
    current.adjClose = bar.adjClose;
    current.volume += bar.volume;
  }
  return result;
}
