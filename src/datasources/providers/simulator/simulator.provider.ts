import type {
  CompanyProfile,
  Dividend,
  FinancialStatement,
  PriceBar,
  Quote,
  Split,
  StatementPeriod,
} from '../../../domain/market';
import type { FxPoint, FxSeries } from '../../../domain/fx';
import type { DateRange, MarketDataProvider } from '../provider';
import { isoDate, previousTradingDay } from './calendar';
import { FX_MODELS, simulatedFx } from './fx-model';
import { simulatedQuote } from './intraday';
import { simulatedBars, simulatedDividends } from './price-model';
import { simulatedStatements } from './statements';
import { UNIVERSE, type SimulatedListing } from './universe';

// Bars depend only on (symbol, last closed day): one copy per process, whatever the
// number of simulator instances. Readers must not mutate them.
const barCache = new Map<string, { through: string; bars: PriceBar[] }>();
// FX rates likewise, per currency.
const fxCache = new Map<string, { through: string; points: FxPoint[] }>();

/** Options for {@link SimulatorProvider}. */
export interface SimulatorOptions {
  /** The simulated "now"; the wall clock by default. Tests pin it. */
  now?: () => Date;
}

/**
 * A deterministic synthetic market: real tickers, synthetic numbers, daily bars from
 * 2019 through the last trading day before today, live intraday quotes, and daily FX
 * rates against USD over the same days (see fx-model.ts). It never fails
 * and needs no key, so Yieldflow runs with no configuration at all.
 */
export class SimulatorProvider implements MarketDataProvider {
  readonly name = 'simulator';
  readonly batchSize = { quotes: 100, profiles: 100 };
  private readonly now: () => Date;

  constructor(options: SimulatorOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  /** Symbols the simulator knows, sorted. */
  static symbols(): string[] {
    return [...UNIVERSE.keys()].sort();
  }

  /** Currencies the simulator has FX rates for (USD, the anchor, aside), sorted. */
  static currencies(): string[] {
    return [...FX_MODELS.keys()].sort();
  }

  async quotes(symbols: readonly string[]): Promise<Map<string, Quote>> {
    const at = this.now();
    const result = new Map<string, Quote>();
    for (const symbol of symbols) {
      const listing = UNIVERSE.get(symbol);
      if (!listing) continue;
      const bars = this.bars(listing);
      result.set(symbol, simulatedQuote(listing, bars[bars.length - 1], at));
    }
    return result;
  }

  async profiles(symbols: readonly string[]): Promise<Map<string, CompanyProfile>> {
    const result = new Map<string, CompanyProfile>();
    for (const symbol of symbols) {
      const listing = UNIVERSE.get(symbol);
      if (listing) result.set(symbol, profileOf(listing));
    }
    return result;
  }

  async history(symbol: string, range: DateRange): Promise<PriceBar[] | null> {
    const listing = UNIVERSE.get(symbol);
    if (!listing) return null;
    return this.bars(listing).filter((bar) => bar.date >= range.from && bar.date <= range.to);
  }

  async dividends(symbol: string): Promise<Dividend[] | null> {
    const listing = UNIVERSE.get(symbol);
    return listing ? simulatedDividends(listing, this.lastClosedDay()) : null;
  }

  async splits(symbol: string): Promise<Split[] | null> {
    const listing = UNIVERSE.get(symbol);
    if (!listing) return null;
    const through = this.lastClosedDay();
    return (listing.splits ?? []).filter((split) => split.date <= through);
  }

  async statements(symbol: string, period: StatementPeriod): Promise<FinancialStatement[] | null> {
    const listing = UNIVERSE.get(symbol);
    return listing ? simulatedStatements(listing, period, isoDate(this.now())) : null;
  }

  async search(query: string, limit: number): Promise<CompanyProfile[]> {
    const needle = query.trim().toLowerCase();
    if (!needle) return [];
    const scored = [...UNIVERSE.values()]
      .map((listing) => ({ listing, score: matchScore(listing, needle) }))
      .filter(({ score }) => score > 0)
      .sort(
        (a, b) =>
          b.score - a.score ||
          tieBreak(a.listing, a.score) - tieBreak(b.listing, b.score) ||
          a.listing.symbol.localeCompare(b.listing.symbol),
      );
    return scored.slice(0, limit).map(({ listing }) => profileOf(listing));
  }

  async fxHistory(currency: string, range: DateRange): Promise<FxSeries | null> {
    const through = this.lastClosedDay();
    let cached = fxCache.get(currency);
    if (cached?.through !== through) {
      const points = simulatedFx(currency, through);
      if (!points) return null;
      cached = { through, points };
      fxCache.set(currency, cached);
    }
    const points = cached.points.filter((p) => p.date >= range.from && p.date <= range.to);
    return { currency, points, source: this.name };
  }

  // Bars through the last closed session; regenerated once a day per symbol.
  private bars(listing: SimulatedListing): PriceBar[] {
    const through = this.lastClosedDay();
    const cached = barCache.get(listing.symbol);
    if (cached?.through === through) return cached.bars;
    const bars = simulatedBars(listing, through);
    barCache.set(listing.symbol, { through, bars });
    return bars;
  }

  private lastClosedDay(): string {
    return previousTradingDay(isoDate(this.now()));
  }
}

function profileOf(listing: SimulatedListing): CompanyProfile {
  return {
    symbol: listing.symbol,
    name: listing.name,
    exchange: listing.exchange,
    currency: listing.currency,
    sector: listing.sector,
    industry: listing.industry,
    country: listing.country,
    description: `${listing.name} (${listing.symbol}), ${listing.industry.toLowerCase()} in the ${listing.sector.toLowerCase()} sector. Prices and financials are simulated.`,
    website: listing.website || null,
    employees: listing.employees || null,
  };
}

/**
 * How well a listing matches a lower-cased query: its symbol (an index's without the
 * caret: "gspc" is ^GSPC), then its name from the start ("the" aside), then a word of its
 * name, then anywhere in its name; 0 for no match.
 */
function matchScore(listing: SimulatedListing, needle: string): number {
  const symbol = listing.symbol.toLowerCase();
  const bare = symbol.startsWith('^') ? symbol.slice(1) : symbol;
  const name = listing.name.toLowerCase();
  if (symbol === needle || bare === needle) return 5;
  if (symbol.startsWith(needle) || bare.startsWith(needle)) return 4;
  if (name.startsWith(needle) || name.startsWith(`the ${needle}`)) return 3;
  if (startsAWord(name, needle)) return 2;
  return name.includes(needle) ? 1 : 0;
}

/** Among equal scores, the closer match first: the shorter symbol, or the shorter name. */
function tieBreak(listing: SimulatedListing, score: number): number {
  return score >= 4 ? listing.symbol.length : listing.name.length;
}

function startsAWord(text: string, needle: string): boolean {
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    if (at === 0 || !/[\p{L}\p{N}]/u.test(text[at - 1])) return true;
  }
  return false;
}
