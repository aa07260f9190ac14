import type { Cached, MarketCache } from '../datasources/cache/market-cache';
import type { CacheKind } from '../datasources/cache/ttl-policy';
import type { QuoteLog } from '../datasources/cache/quote-log';
import type { DateRange, MarketDataProvider } from '../datasources/providers/provider';
import { anchorSeries, CURRENCY, FX_ANCHOR, type FxSeries } from '../domain/fx';
import type {
  CompanyProfile,
  Dividend,
  FinancialStatement,
  PriceBar,
  Quote,
  Split,
  StatementPeriod,
} from '../domain/market';
import { marketCapAt, reviveQuote } from '../domain/market';
import { ProviderError } from '../datasources/providers/provider-error';
import { RateLimitedError, UpstreamUnavailableError } from '../errors/errors';
import type { Logger } from '../observability/logger';

/** Options for {@link MarketDataService}. */
export interface MarketDataServiceOptions {
  /** In MARKET_DATA_PROVIDERS order; the first that answers wins. */
  providers: MarketDataProvider[];
  cache: MarketCache;
  logger: Logger;
  /**
   * Whole-call time budget across every provider tried: past it the call fails with
   * UPSTREAM_UNAVAILABLE (or serves stale) instead of waiting on. 10 s by default.
   */
  deadlineMs?: number;
  now?: () => Date;
  /** Where fetched quotes are logged for delayed plans; without it, delayed quotes are the last close. */
  quoteLog?: QuoteLog;
  /**
   * Called before a cache miss goes to the providers (once per batch of missing ids);
   * throws to refuse the lookup (the caller's upstream share is spent: RATE_LIMITED).
   * A refused lookup still serves what the cache holds, stale or not.
   */
  beforeLookup?: () => Promise<void>;
}

/** Years of daily bars fetched (and cached) per symbol; ranges are cut from them. */
export const HISTORY_YEARS = 10;

const quiet = (error: unknown) =>
  error instanceof ProviderError && ['budget', 'unsupported'].includes(error.failure);

const declined = (error: unknown) =>
  error instanceof ProviderError && error.failure === 'unsupported';

// Kinds whose ids are no symbols: symbol lists (`<NAME>_SYMBOL_LIST`) do not apply.
const UNLISTED_KINDS: ReadonlySet<CacheKind> = new Set(['search', 'fx']);

/**
 * Market data through the cache, then the providers in order. A provider that fails
 * hands over to the next; when all fail, cached data past its TTL is served marked
 * stale, and with nothing cached the call fails with UPSTREAM_UNAVAILABLE. Symbols
 * must already be normalised (services/symbol-input.ts).
 */
export class MarketDataService {
  private readonly deadlineMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: MarketDataServiceOptions) {
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * The same service for one caller: its cache misses pass `beforeLookup` first (the
   * request context's account share, see services/upstream-share.ts).
   */
  forCaller(beforeLookup: () => Promise<void>): MarketDataService {
    return new MarketDataService({ ...this.options, beforeLookup });
  }

  // True unless every provider declares a symbol list that lacks `symbol`.
  private askable(symbol: string): boolean {
    return this.options.providers.some((provider) => provider.lists?.(symbol) ?? true);
  }

  /** Names of the providers that are not known to be failing, in fallback order. */
  availableProviders(): string[] {
    return this.options.providers.filter((p) => p.isAvailable?.() ?? true).map((p) => p.name);
  }

  /** Quotes by symbol; unknown symbols are absent. */
  async quotes(symbols: readonly string[]): Promise<Map<string, Quote>> {
    const cached = await this.cached('quote', symbols, async (ids) => {
      const fetched = await this.batched(ids, 'quotes', (p, chunk) => p.quotes(chunk));
      await this.logQuotes([...fetched.values()].filter((q): q is Quote => q !== null));
      return fetched;
    });
    const result = new Map<string, Quote>();
    for (const [symbol, entry] of cached) {
      if (!entry.value) continue;
      // Cached entries went through JSON.
      const quote = reviveQuote(entry.value);
      result.set(symbol, { ...quote, stale: entry.stale || quote.stale });
    }
    return result;
  }

  /** Logs quotes observed outside {@link quotes} (the live stream's ticks). */
  async logQuotes(quotes: readonly Quote[]): Promise<void> {
    await this.options.quoteLog?.record(quotes).catch((error: Error) => {
      this.options.logger.warn({ err: error.message }, 'quote log write failed');
    });
  }

  /**
   * Quotes as they were `delayMs` ago (plans with delayed quotes): the newest quote the
   * gateway observed at or before then, else the last daily close before that day.
   * Marked `delayed`; unknown symbols are absent.
   */
  async delayedQuotes(symbols: readonly string[], delayMs: number): Promise<Map<string, Quote>> {
    const live = await this.quotes(symbols);
    const at = new Date(this.now().getTime() - delayMs);
    const known = [...live.keys()];
    const logged = this.options.quoteLog
      ? await this.options.quoteLog.asOf(known, at).catch((error: Error) => {
          this.options.logger.warn({ err: error.message }, 'quote log read failed');
          return new Map<string, Quote>();
        })
      : new Map<string, Quote>();
    const result = new Map<string, Quote>();
    await Promise.all(
      known.map(async (symbol) => {
        const quote =
          logged.get(symbol) ?? closeQuote(await this.fullHistory(symbol), live.get(symbol)!, at);
        if (quote) result.set(symbol, { ...quote, delayed: true });
      }),
    );
    return result;
  }

  /** Profiles by symbol; unknown symbols are absent. */
  async profiles(symbols: readonly string[]): Promise<Map<string, CompanyProfile>> {
    const cached = await this.cached('profile', symbols, (ids) =>
      this.batched(ids, 'profiles', (p, chunk) => p.profiles(chunk)),
    );
    return valuesOf(cached);
  }

  /**
   * Daily bars in the range, oldest first; null for an unknown symbol. The last
   * HISTORY_YEARS of a symbol are loaded and cached as one entry, so that every range
   * of that symbol (and every metric) costs one upstream load a day.
   */
  async history(symbol: string, range: DateRange): Promise<PriceBar[] | null> {
    const bars = await this.fullHistory(symbol);
    return bars && bars.filter((bar) => bar.date >= range.from && bar.date <= range.to);
  }

  /** The last HISTORY_YEARS of daily bars of a symbol, oldest first; null if unknown. */
  fullHistory(symbol: string): Promise<PriceBar[] | null> {
    return this.single('history', symbol, (p) => p.history(symbol, this.historyWindow()));
  }

  /** Companies matching a name or symbol fragment, best first. */
  async search(query: string, limit: number): Promise<CompanyProfile[]> {
    const key = `${query.trim().toLowerCase()}:${limit}`;
    return (await this.single('search', key, (p) => p.search(query, limit))) ?? [];
  }

  /**
   * Daily rates of `currency` against USD over {@link historyWindow}, oldest first,
   * cached as one entry per currency (like history) and loaded from the providers in
   * order. USD is {@link anchorSeries}, without a lookup. Null when no provider knows the
   * currency, when every provider declines FX (not on its plan), and for a code that is
   * not three capital letters (without an upstream call: callers with user input check
   * it first, services/currency-input.ts).
   */
  fxSeries(currency: string): Promise<FxSeries | null> {
    if (!CURRENCY.test(currency)) return Promise.resolve(null);
    if (currency === FX_ANCHOR) return Promise.resolve(anchorSeries());
    return this.single('fx', currency, (p) => p.fxHistory(currency, this.historyWindow()), true);
  }

  /** The days of history fetched and cached per symbol (and FX rates per currency). */
  historyWindow(): DateRange {
    const today = this.now();
    const from = new Date(today);
    from.setUTCFullYear(from.getUTCFullYear() - HISTORY_YEARS);
    return { from: from.toISOString().slice(0, 10), to: today.toISOString().slice(0, 10) };
  }

  dividends(symbol: string): Promise<Dividend[] | null> {
    return this.single('dividends', symbol, (p) => p.dividends(symbol));
  }

  splits(symbol: string): Promise<Split[] | null> {
    return this.single('splits', symbol, (p) => p.splits(symbol));
  }

  statements(symbol: string, period: StatementPeriod): Promise<FinancialStatement[] | null> {
    return this.single('statements', `${symbol}:${period}`, (p) => p.statements(symbol, period));
  }

  private async cached<T>(
    kind: CacheKind,
    ids: readonly string[],
    load: (ids: string[]) => Promise<Map<string, T | null>>,
  ): Promise<Map<string, Cached<T>>> {
    const gate = this.options.beforeLookup;
    // A miss no provider may be asked for (each declares a symbol list without it) is
    // unknown at once: it costs neither an upstream call nor the caller's share.
    const guarded = async (missing: string[]) => {
      if (!UNLISTED_KINDS.has(kind) && !missing.some((id) => this.askable(id.split(':')[0]))) {
        return new Map(missing.map((id) => [id, null]));
      }
      await gate?.();
      return load(missing);
    };
    try {
      return await this.options.cache.getMany(kind, ids, guarded);
    } catch (error) {
      if (error instanceof UpstreamUnavailableError || error instanceof RateLimitedError) {
        throw error;
      }
      this.options.logger.error({ err: error, kind }, 'market data failed');
      throw new UpstreamUnavailableError();
    }
  }

  // With `declinedIsUnknown`, an id every provider declines (none offers the kind on its
  // plan) is unknown rather than UPSTREAM_UNAVAILABLE.
  private async single<T>(
    kind: CacheKind,
    id: string,
    fetch: (provider: MarketDataProvider) => Promise<T | null>,
    declinedIsUnknown = false,
  ): Promise<T | null> {
    const cached = await this.cached(kind, [id], (ids) =>
      this.firstAnswer(
        async (provider) => new Map([[ids[0], await fetch(provider)]]),
        declinedIsUnknown ? () => new Map([[ids[0], null]]) : undefined,
      ),
    );
    return cached.get(id)?.value ?? null;
  }

  // Splits ids into the provider's batch size: 100 symbols cost ceil(100 / size) calls.
  private batched<T>(
    ids: string[],
    kind: keyof MarketDataProvider['batchSize'],
    call: (provider: MarketDataProvider, chunk: string[]) => Promise<Map<string, T>>,
  ): Promise<Map<string, T | null>> {
    return this.firstAnswer(async (provider) => {
      const size = provider.batchSize[kind];
      const chunks: string[][] = [];
      for (let i = 0; i < ids.length; i += size) chunks.push(ids.slice(i, i + size));
      const answers = await Promise.all(chunks.map((chunk) => call(provider, chunk)));
      return new Map(answers.flatMap((answer) => [...answer]));
    });
  }

  // Asks the providers in order until one answers, within the whole-call deadline; when
  // every one declined (`unsupported`), `onDeclined` answers if given.
  private async firstAnswer<T>(
    ask: (provider: MarketDataProvider) => Promise<T>,
    onDeclined?: () => T,
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UpstreamUnavailableError()), this.deadlineMs);
      timer.unref();
    });
    try {
      return await Promise.race([this.tryInOrder(ask, onDeclined), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async tryInOrder<T>(
    ask: (provider: MarketDataProvider) => Promise<T>,
    onDeclined?: () => T,
  ): Promise<T> {
    let allDeclined = true;
    for (const provider of this.options.providers) {
      try {
        return await ask(provider);
      } catch (error) {
        allDeclined &&= declined(error);
        const log = quiet(error) ? this.options.logger.debug : this.options.logger.warn;
        log.call(
          this.options.logger,
          { provider: provider.name, err: (error as Error).message },
          'provider did not answer; trying the next',
        );
      }
    }
    if (onDeclined && allDeclined) return onDeclined();
    throw new UpstreamUnavailableError();
  }
}

// The quote of the last daily bar of a day before `at`'s: its close as the price, the
// session's end as the time. Market capitalisation scales the live one to that price.
function closeQuote(bars: PriceBar[] | null, live: Quote, at: Date): Quote | null {
  const day = at.toISOString().slice(0, 10);
  let i = (bars?.length ?? 0) - 1;
  while (i >= 0 && bars![i].date >= day) i -= 1;
  if (!bars || i < 0) return null;
  const bar = bars[i];
  const previousClose = i > 0 ? bars[i - 1].close : bar.open;
  const change = bar.close - previousClose;
  return {
    symbol: live.symbol,
    price: bar.close,
    change,
    changePercent: previousClose === 0 ? 0 : change / previousClose,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    previousClose,
    volume: bar.volume,
    marketCap: marketCapAt(live, bar.close),
    timestamp: new Date(`${bar.date}T23:59:59.999Z`),
    source: live.source,
    stale: live.stale,
  };
}

function valuesOf<T>(cached: Map<string, Cached<T>>): Map<string, T> {
  const result = new Map<string, T>();
  for (const [id, entry] of cached) if (entry.value) result.set(id, entry.value);
  return result;
}
