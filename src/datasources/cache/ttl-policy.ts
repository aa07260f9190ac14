/** Kinds of cached market data. */
export type CacheKind =
  'quote' | 'profile' | 'history' | 'dividends' | 'splits' | 'statements' | 'search' | 'fx';

/** How long each kind stays fresh, and how long unknown symbols are remembered. */
export interface TtlPolicy {
  freshMs(kind: CacheKind, now: Date): number;
  /** TTL of a negative entry (the provider said the symbol does not exist). */
  readonly negativeMs: number;
  /** How long past freshness an entry is kept, to serve stale when every provider fails. */
  readonly staleKeepMs: number;
}

const HOUR = 3_600_000;
// US markets close at 16:00 New York, 21:00 UTC in winter; daily data changes only then.
const CLOSE_UTC_HOUR = 21;

/** Milliseconds from `now` to the next weekday market close (21:00 UTC). */
export function msUntilNextClose(now: Date): number {
  const close = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), CLOSE_UTC_HOUR),
  );
  while (close.getTime() <= now.getTime() || [0, 6].includes(close.getUTCDay())) {
    close.setUTCDate(close.getUTCDate() + 1);
  }
  return close.getTime() - now.getTime();
}

/**
 * The defaults: quotes seconds, daily series (bars, dividends, splits, FX rates) until
 * the next close, the rest a day.
 */
export function defaultTtlPolicy(options: { quoteMs?: number } = {}): TtlPolicy {
  const quoteMs = options.quoteMs ?? 5_000;
  return {
    negativeMs: HOUR,
    staleKeepMs: 24 * HOUR,
    freshMs(kind, now) {
      switch (kind) {
        case 'quote':
          return quoteMs;
        case 'history':
        case 'fx':
        case 'dividends':
        case 'splits':
          return msUntilNextClose(now);
        case 'search':
          return HOUR;
        default:
          return 24 * HOUR;
      }
    },
  };
}
