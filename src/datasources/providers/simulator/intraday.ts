import type { PriceBar, Quote } from '../../../domain/market';
import { isoDate } from './calendar';
import { hashSeed, normal, round, seededRandom } from './random';
import type { SimulatedListing } from './universe';

const SESSION_OPEN_UTC_MINUTES = 14 * 60 + 30;
const SESSION_MINUTES = 390;

/**
 * A live quote at `at`: today's session moves from a seeded opening gap along a
 * seeded walk sampled every 5 seconds, so that two processes asked at the same moment
 * answer the same price, and streaming sees real ticks.
 */
export function simulatedQuote(listing: SimulatedListing, lastBar: PriceBar, at: Date): Quote {
  const day = isoDate(at);
  const sigma = listing.volatility / Math.sqrt(252);
  const minutes = at.getUTCHours() * 60 + at.getUTCMinutes() - SESSION_OPEN_UTC_MINUTES;
  // Weekends hold Friday's close: no session, no movement.
  const weekend = [0, 6].includes(at.getUTCDay());
  const elapsed = weekend ? 0 : Math.min(Math.max(minutes / SESSION_MINUTES, 0), 1);
  const gap = weekend
    ? 0
    : 0.25 * sigma * normal(seededRandom(hashSeed(`${listing.symbol}:${day}:gap`)));
  const open = lastBar.close * Math.exp(gap);
  // Brownian bridge-like path: a daily shock scaled by elapsed time plus 5-second jitter.
  const dailyShock = sigma * normal(seededRandom(hashSeed(`${listing.symbol}:${day}:move`)));
  const slot = Math.floor(at.getTime() / 5_000);
  const jitter = weekend ? 0 : 0.0008 * normal(seededRandom(hashSeed(`${listing.symbol}:${slot}`)));
  const price = round(open * Math.exp(dailyShock * Math.sqrt(elapsed) + jitter));
  const high = round(Math.max(open, price) * (1 + 0.2 * sigma * Math.sqrt(elapsed)));
  const low = round(Math.min(open, price) * (1 - 0.2 * sigma * Math.sqrt(elapsed)));
  const change = round(price - lastBar.close);
  return {
    symbol: listing.symbol,
    price,
    change,
    changePercent: round(change / lastBar.close, 6),
    open: round(open),
    high,
    low,
    previousClose: lastBar.close,
    volume: Math.round(lastBar.volume * elapsed),
    // An index has no shares, so no market cap.
    marketCap: listing.sharesMillions > 0 ? Math.round(price * listing.sharesMillions * 1e6) : null,
    timestamp: at,
    source: 'simulator',
    stale: false,
  };
}
