const DAY_MS = 86_400_000;

/** ISO date (YYYY-MM-DD) of a Date, in UTC. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

const memo = new Map<string, readonly string[]>();

/**
 * Weekdays from `from` to `to` inclusive (ISO dates). Exchange holidays are not
 * modelled. Memoised (every listing asks for the same ranges): do not mutate the result.
 */
export function tradingDays(from: string, to: string): readonly string[] {
  const key = `${from}:${to}`;
  let days = memo.get(key);
  if (!days) {
    if (memo.size >= 1_000) memo.clear();
    days = computeTradingDays(from, to);
    memo.set(key, days);
  }
  return days;
}

function computeTradingDays(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    const weekday = new Date(t).getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(isoDate(new Date(t)));
  }
  return days;
}

/** The weekday before `date` (ISO), skipping weekends. */
export function previousTradingDay(date: string): string {
  let t = Date.parse(`${date}T00:00:00Z`) - DAY_MS;
  while ([0, 6].includes(new Date(t).getUTCDay())) t -= DAY_MS;
  return isoDate(new Date(t));
}
