import type { Dividend, PriceBar } from '../../../domain/market';
import { tradingDays } from './calendar';
import { hashSeed, normal, round, seededRandom, uniformFor } from './random';
import { BENCHMARK, type SimulatedListing } from './universe';

/** First simulated trading day. */
export const SIMULATION_START = '2019-01-02';

const TRADING_DAYS_PER_YEAR = 252;
const EX_DIVIDEND_DAYS = ['02-10', '05-10', '08-10', '11-10'];

/** Beta of a listing to the simulated market (SPY and its trackers are 1): its own, else drawn from its symbol. */
export function betaOf(listing: SimulatedListing): number {
  if (listing.symbol === BENCHMARK.symbol || listing.tracksMarket) return 1;
  return listing.beta ?? uniformFor(`${listing.symbol}:beta`, 0.6, 1.6);
}

/**
 * Annual drift (total return: the price falls by each dividend) of a listing: its own,
 * else drawn from its symbol. A tracker's price follows SPY's: SPY's drift, less SPY's
 * dividends, plus its own.
 */
export function driftOf(listing: SimulatedListing): number {
  if (listing.drift !== undefined) return listing.drift;
  if (listing.tracksMarket) {
    return driftOf(BENCHMARK) - BENCHMARK.dividendYield + listing.dividendYield;
  }
  return uniformFor(`${listing.symbol}:drift`, 0.02, 0.16);
}

const marketShocks = new Map<string, number>();

/** The market's daily log-return shock on `date`, shared by every listing (memoised). */
function marketShock(date: string): number {
  let shock = marketShocks.get(date);
  if (shock === undefined) {
    shock = normal(seededRandom(hashSeed(`market:${date}`)));
    marketShocks.set(date, shock);
  }
  return shock;
}

/** Quarterly dividends of a payer, per share as of each ex-date, from the start through `through`. */
export function simulatedDividends(listing: SimulatedListing, through: string): Dividend[] {
  if (listing.dividendYield <= 0) return [];
  const growth = uniformFor(`${listing.symbol}:dividend-growth`, 0.02, 0.1);
  const base = (listing.startPrice * listing.dividendYield) / 4;
  const dividends: Dividend[] = [];
  const firstYear = Number(SIMULATION_START.slice(0, 4));
  for (let year = firstYear; year <= Number(through.slice(0, 4)); year += 1) {
    for (const monthDay of EX_DIVIDEND_DAYS) {
      const target = `${year}-${monthDay}`;
      // The first trading day on or after the target date.
      const exDate = tradingDays(target, `${year}-${monthDay.slice(0, 2)}-20`)[0];
      if (!exDate || exDate > through) continue;
      const splitFactor = (listing.splits ?? [])
        .filter((split) => split.date <= exDate)
        .reduce((product, split) => product * split.ratio, 1);
      const amount = (base * (1 + growth) ** (year - firstYear)) / splitFactor;
      const payment = new Date(Date.parse(`${exDate}T00:00:00Z`) + 21 * 86_400_000);
      dividends.push({
        exDate,
        paymentDate: payment.toISOString().slice(0, 10),
        amount: Math.round(amount * 10_000) / 10_000,
      });
    }
  }
  return dividends;
}

/**
 * Daily bars from {@link SIMULATION_START} through `through`: a random walk with a
 * market factor (so betas are real), price drops on ex-dividend and split days, and an
 * adjusted close computed backwards from the latest bar. Every draw is seeded by
 * (symbol, date), so a bar never changes once it exists.
 */
export function simulatedBars(listing: SimulatedListing, through: string): PriceBar[] {
  const days = tradingDays(SIMULATION_START, through);
  const beta = betaOf(listing);
  const marketSigma = BENCHMARK.volatility / Math.sqrt(TRADING_DAYS_PER_YEAR);
  const sigma = listing.volatility / Math.sqrt(TRADING_DAYS_PER_YEAR);
  // At least 5% a year of the listing's own moves; a tracker strays 1% a year from SPY.
  const floor = (listing.tracksMarket ? 0.01 : 0.05) / 16;
  const idiosyncratic = Math.sqrt(Math.max(sigma ** 2 - (beta * marketSigma) ** 2, floor ** 2));
  const drift = driftOf(listing) / TRADING_DAYS_PER_YEAR;
  const dividends = new Map(simulatedDividends(listing, through).map((d) => [d.exDate, d.amount]));
  const splits = new Map((listing.splits ?? []).map((s) => [s.date, s.ratio]));
  const baseVolume = (listing.sharesMillions * 1e6) / 150;

  const bars: PriceBar[] = [];
  let previousClose = listing.startPrice;
  for (const date of days) {
    const random = seededRandom(hashSeed(`${listing.symbol}:${date}`));
    const ratio = splits.get(date) ?? 1;
    const reference = previousClose / ratio - (dividends.get(date) ?? 0);
    const shock =
      listing.symbol === BENCHMARK.symbol
        ? marketSigma * marketShock(date)
        : beta * marketSigma * marketShock(date) + idiosyncratic * normal(random);
    const close = Math.max(reference * Math.exp(drift - sigma ** 2 / 2 + shock), 0.01);
    const open = Math.max(reference * Math.exp(0.25 * sigma * normal(random)), 0.01);
    const high = Math.max(open, close) * (1 + Math.abs(normal(random)) * 0.3 * sigma);
    const low = Math.min(open, close) * (1 - Math.min(Math.abs(normal(random)) * 0.3 * sigma, 0.5));
    const volume = Math.round(baseVolume * Math.exp(0.35 * normal(random)));
    bars.push({
      date,
      open: round(open),
      high: round(high),
      low: round(low),
      close: round(close),
      adjClose: 0,
      volume,
    });
    previousClose = round(close);
  }

  // Adjusted close: walking back from the latest bar, each event scales everything before it.
  let factor = 1;
  for (let i = bars.length - 1; i >= 0; i -= 1) {
    bars[i].adjClose = round(bars[i].close * factor, 6);
    const eventDate = bars[i].date;
    if (i === 0) break;
    const dividend = dividends.get(eventDate);
    if (dividend) factor *= 1 - dividend / bars[i - 1].close;
    const ratio = splits.get(eventDate);
    if (ratio) factor /= ratio;
  }
  return bars;
}
