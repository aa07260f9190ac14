import Decimal from 'decimal.js';
import { replayInBase, type LedgerEntry, type LedgerState } from '../domain/ledger';
import { crossRate, usdRateOn, type FxSeries } from '../domain/fx';
import type { CompanyProfile } from '../domain/market';
import { UpstreamUnavailableError } from '../errors/errors';
import type { MarketLoaders } from '../loaders/market.loaders';

/**
 * A ledger seen in the portfolio's base currency: every entry's money converted at its
 * own date's rate, and today's rate of each listing currency for what is held.
 */
export interface PortfolioBook {
  /** The portfolio's base currency. */
  base: string;
  /** The ledger state with every amount of money in `base` (lots stay in their own). */
  state: LedgerState;
  /** The listing currency of a symbol (the base currency when no provider knows it). */
  currencyOf(symbol: string): string;
  /** Units of `base` for one unit of `currency` today (1 for the base currency). */
  rateNow(currency: string): number;
  /** Units of `base` for one unit of `currency` on `date` (the last rate on or before it). */
  rateOn(currency: string, date: string): number;
  /** Whether every symbol is listed in `base` (nothing is converted). */
  single: boolean;
}

const ONE = new Decimal(1);

/**
 * Listing currencies quoted in a minor unit (London in pence, Johannesburg in cents,
 * Tel Aviv in agorot: FMP answers `GBp`, `ZAc`, `ILA`): the major currency's rate × 1/100.
 * Prices and costs stay in the unit they are quoted in.
 */
const MINOR_UNITS: Readonly<Record<string, { major: string; factor: number }>> = {
  GBp: { major: 'GBP', factor: 0.01 },
  GBX: { major: 'GBP', factor: 0.01 },
  ZAc: { major: 'ZAR', factor: 0.01 },
  ZAC: { major: 'ZAR', factor: 0.01 },
  ILA: { major: 'ILS', factor: 0.01 },
};

/** The currency whose rates a listing currency takes, and by what factor. */
function unitOf(currency: string): { major: string; factor: number } {
  return MINOR_UNITS[currency] ?? { major: currency.toUpperCase(), factor: 1 };
}

// One book per ledger state (which never changes), base currency and day: a live
// valuation recomputing on every tick converts the ledger once, not once per tick.
const books = new WeakMap<LedgerState, Map<string, Promise<PortfolioBook>>>();

/**
 * The book of a replayed ledger (`state` is its state at rate 1, `entries` its entries)
 * in `base`. A ledger whose symbols are all listed in `base` is its own book: no rate
 * is loaded. Listing currencies come from the profiles; rates from the `fx` loader,
 * crossed through USD. An entry dated before the first rate a provider holds (the
 * history window is 10 years) takes that first rate. A currency no provider has rates
 * for is UPSTREAM_UNAVAILABLE: a figure converted at a made-up rate would be wrong.
 */
export function bookOf(
  ledger: { entries: readonly LedgerEntry[]; state: LedgerState },
  base: string,
  loaders: MarketLoaders,
  today: string,
): Promise<PortfolioBook> {
  let byKey = books.get(ledger.state);
  if (!byKey) {
    byKey = new Map();
    books.set(ledger.state, byKey);
  }
  const key = `${base}:${today}`;
  let book = byKey.get(key);
  if (!book) {
    book = convert(ledger, base, loaders, today);
    byKey.set(key, book);
    // A failed load (an upstream outage) is not kept: the next valuation tries again.
    book.catch(() => byKey.delete(key));
  }
  return book;
}

async function convert(
  ledger: { entries: readonly LedgerEntry[]; state: LedgerState },
  base: string,
  loaders: MarketLoaders,
  today: string,
): Promise<PortfolioBook> {
  const symbols = [...new Set(ledger.entries.map((e) => e.symbol).filter((s): s is string => !!s))];
  const profiles = await loaders.profile.loadMany(symbols);
  const currencies = new Map<string, string>();
  symbols.forEach((symbol, i) => {
    const profile = profiles[i];
    if (profile instanceof Error) throw profile;
    currencies.set(symbol, (profile as CompanyProfile | null)?.currency || base);
  });
  const currencyOf = (symbol: string) => currencies.get(symbol) ?? base;
  const foreign = [...new Set(currencies.values())].filter((c) => c !== base);
  if (foreign.length === 0) {
    return {
      base,
      state: ledger.state,
      currencyOf,
      rateNow: () => 1,
      rateOn: () => 1,
      single: true,
    };
  }

  const wanted = [base, ...foreign];
  const majors = [...new Set(wanted.map((currency) => unitOf(currency).major))];
  const loaded = await loaders.fx.loadMany(majors);
  const series = new Map<string, FxSeries>();
  majors.forEach((currency, i) => {
    const found = loaded[i];
    if (found instanceof Error) throw found;
    if (!found)
      throw new UpstreamUnavailableError(`No exchange rates for ${currency} are available`);
    series.set(currency, found);
  });
  const baseUnit = unitOf(base);
  const baseSeries = series.get(baseUnit.major)!;
  const rateOn = (currency: string, date: string): number => {
    if (currency === base) return 1;
    const unit = unitOf(currency);
    const from = series.get(unit.major)!;
    const rate =
      crossRate(from, baseSeries, date) ?? crossRate(from, baseSeries, firstDate(from, baseSeries));
    if (!rate) {
      throw new UpstreamUnavailableError(`No ${currency}/${base} exchange rate is available`);
    }
    return (rate.rate * unit.factor) / baseUnit.factor;
  };
  // One Decimal per currency and day: a ledger of 10,000 entries crosses each rate once.
  const decimals = new Map<string, Decimal>();
  const rateOf = (entry: LedgerEntry): Decimal => {
    if (!entry.symbol) return ONE;
    const currency = currencyOf(entry.symbol);
    if (currency === base) return ONE;
    const id = `${currency}:${entry.date}`;
    let rate = decimals.get(id);
    if (!rate) {
      rate = new Decimal(rateOn(currency, entry.date));
      decimals.set(id, rate);
    }
    return rate;
  };
  const state = replayInBase(ledger.entries, rateOf);
  const now = new Map(wanted.map((currency) => [currency, rateOn(currency, today)]));
  return {
    base,
    state,
    currencyOf,
    rateNow: (currency) => now.get(currency) ?? 1,
    rateOn,
    single: false,
  };
}

// The first day both series have a rate: what entries older than the rates take.
function firstDate(a: FxSeries, b: FxSeries): string {
  const first = (s: FxSeries) => (s.points.length > 0 ? s.points[0].date : '0000-01-01');
  const day = first(a) > first(b) ? first(a) : first(b);
  return usdRateOn(a, day) ? day : first(a);
}
