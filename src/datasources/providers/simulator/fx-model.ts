import type { FxPoint } from '../../../domain/fx';
import { tradingDays } from './calendar';
import { SIMULATION_START } from './price-model';
import { hashSeed, normal, seededRandom } from './random';

/** How one currency moves against USD in the simulated market. */
export interface FxModel {
  /** USD for one unit of the currency on {@link SIMULATION_START}. */
  start: number;
  /** Annualised volatility of the daily log changes. */
  volatility: number;
  /**
   * Pull back towards `start` per year, in log space: weak for a floating currency (it
   * wanders, within about ±10 % of its level over years), strong for a peg (it holds).
   */
  reversion: number;
}

const FLOATING = 0.3;
// A half-life of about a week: HKD stays well inside its 7.75–7.85 per USD band.
const PEGGED = 25;

// Levels are today's order of magnitude; the paths are synthetic and say nothing about
// any currency. Every currency a simulated listing is priced in must be here (USD is the
// anchor): test/unit/datasources/providers/simulator-fx.test.ts checks it.
// prettier-ignore
const MODELS: Array<[currency: string, start: number, volatility: number, reversion: number]> = [
  ['EUR', 1.08, 0.075, FLOATING],
  ['GBP', 1.27, 0.08, FLOATING],
  ['JPY', 0.0067, 0.09, FLOATING],
  ['INR', 0.012, 0.05, FLOATING],
  ['CAD', 0.74, 0.065, FLOATING],
  ['AUD', 0.66, 0.1, FLOATING],
  ['CHF', 1.13, 0.07, FLOATING],
  ['CNY', 0.14, 0.05, FLOATING],
  ['HKD', 0.128, 0.004, PEGGED],
  ['SGD', 0.74, 0.05, FLOATING],
  ['KRW', 0.00075, 0.085, FLOATING],
  ['TWD', 0.031, 0.06, FLOATING],
  ['DKK', 0.145, 0.075, FLOATING],
  ['SEK', 0.095, 0.09, FLOATING],
  ['NOK', 0.093, 0.095, FLOATING],
  ['BRL', 0.18, 0.1, FLOATING],
  ['MXN', 0.055, 0.1, FLOATING],
  ['ZAR', 0.054, 0.1, FLOATING],
  ['NZD', 0.6, 0.095, FLOATING],
  ['ILS', 0.27, 0.08, FLOATING],
];

/** The simulated currencies (USD aside), by code. */
export const FX_MODELS: ReadonlyMap<string, FxModel> = new Map(
  MODELS.map(([currency, start, volatility, reversion]) => [
    currency,
    { start, volatility, reversion },
  ]),
);

const TRADING_DAYS_PER_YEAR = 252;

/**
 * Daily USD rates of `currency` on every weekday from {@link SIMULATION_START} through
 * `through` (the window of the simulated stock history), oldest first; null for a
 * currency the simulator does not model. A mean-reverting random walk in log space whose
 * every draw is seeded by (currency, date): the same numbers on every machine and run,
 * and a rate never changes once it exists. Rates keep 6 significant digits.
 */
export function simulatedFx(currency: string, through: string): FxPoint[] | null {
  const model = FX_MODELS.get(currency);
  if (!model) return null;
  const sigma = model.volatility / Math.sqrt(TRADING_DAYS_PER_YEAR);
  const pull = model.reversion / TRADING_DAYS_PER_YEAR;
  const anchor = Math.log(model.start);
  let level = anchor;
  return tradingDays(SIMULATION_START, through).map((date, index) => {
    if (index > 0) {
      const shock = normal(seededRandom(hashSeed(`fx:${currency}:${date}`)));
      level += pull * (anchor - level) + sigma * shock;
    }
    return { date, rate: Number(Math.exp(level).toPrecision(6)) };
  });
}
