import { FX_MODELS } from '../../../../src/datasources/providers/simulator/fx-model';
import { SIMULATION_START } from '../../../../src/datasources/providers/simulator/price-model';
import { SimulatorProvider } from '../../../../src/datasources/providers/simulator/simulator.provider';
import { UNIVERSE } from '../../../../src/datasources/providers/simulator/universe';
import { FX_ANCHOR } from '../../../../src/domain/fx';

const FRIDAY_AFTERNOON = new Date('2026-11-20T18:00:00Z');
const simulator = () => new SimulatorProvider({ now: () => FRIDAY_AFTERNOON });
const ALL = { from: '1900-01-01', to: '2999-12-31' };

// Sample standard deviation of the daily log changes, annualised.
function annualVolatility(rates: number[]): number {
  const changes = rates.slice(1).map((rate, i) => Math.log(rate / rates[i]));
  const mean = changes.reduce((a, b) => a + b, 0) / changes.length;
  const variance = changes.reduce((a, b) => a + (b - mean) ** 2, 0) / (changes.length - 1);
  return Math.sqrt(variance * 252);
}

describe('SimulatorProvider FX', () => {
  it('covers the currency of every simulated listing (USD is the anchor)', async () => {
    const currencies = new Set([...UNIVERSE.values()].map((listing) => listing.currency));
    expect([...currencies].sort()).toEqual(['INR', 'USD']);
    for (const currency of currencies) {
      if (currency === FX_ANCHOR) continue;
      const series = await simulator().fxHistory(currency, ALL);
      expect(series?.points.length).toBeGreaterThan(1_000);
    }
    const profiles = await simulator().profiles(SimulatorProvider.symbols());
    for (const profile of profiles.values()) {
      if (profile.currency !== FX_ANCHOR) expect(FX_MODELS.has(profile.currency)).toBe(true);
    }
  });

  it('models the twenty currencies asked for, and knows no others', async () => {
    expect(SimulatorProvider.currencies()).toEqual(
      [
        ...['EUR', 'GBP', 'JPY', 'INR', 'CAD', 'AUD', 'CHF', 'CNY', 'HKD', 'SGD'],
        ...['KRW', 'TWD', 'DKK', 'SEK', 'NOK', 'BRL', 'MXN', 'ZAR', 'NZD', 'ILS'],
      ].sort(),
    );
    expect(await simulator().fxHistory('ZZZ', ALL)).toBeNull();
    expect(await simulator().fxHistory('USD', ALL)).toBeNull();
  });

  it('is deterministic: the same rates on every instance and machine (golden values)', async () => {
    const range = { from: '2024-03-14', to: '2024-03-18' };
    const [a, b] = [simulator(), simulator()];
    expect(await a.fxHistory('EUR', range)).toEqual(await b.fxHistory('EUR', range));
    // Recorded once; a change here means every user's converted values changed.
    expect(await a.fxHistory('EUR', range)).toEqual(GOLDEN_EUR);
    expect((await a.fxHistory('JPY', range))!.points[0]).toEqual(GOLDEN_JPY);
  });

  it('spans the stock history: every weekday from the first bar through the last close', async () => {
    const bars = (await simulator().history('AAPL', ALL))!;
    for (const currency of SimulatorProvider.currencies()) {
      const { points, source } = (await simulator().fxHistory(currency, ALL))!;
      expect(source).toBe('simulator');
      expect(points.map((p) => p.date)).toEqual(bars.map((b) => b.date));
    }
    expect(bars[0].date).toBe(SIMULATION_START);
    expect(bars[bars.length - 1].date).toBe('2026-11-19');
  });

  it('moves like a currency: 5-10 % a year near realistic levels, HKD inside its peg band', async () => {
    // Every currency out of bounds, with the numbers that missed.
    const misses: Array<Record<string, unknown>> = [];
    for (const [currency, model] of FX_MODELS) {
      const rates = (await simulator().fxHistory(currency, ALL))!.points.map((p) => p.rate);
      expect(rates[0]).toBe(model.start);
      expect(rates.every((rate) => Number.isFinite(rate) && rate > 0)).toBe(true);
      const volatility = annualVolatility(rates);
      const low = Math.min(...rates);
      const high = Math.max(...rates);
      if (currency === 'HKD') {
        // Nearly flat, inside 7.75-7.85 HKD per USD.
        if (volatility > 0.01 || low < 1 / 7.85 || high > 1 / 7.75) {
          misses.push({ currency, volatility, low, high });
        }
      } else if (volatility < 0.045 || volatility > 0.11) {
        misses.push({ currency, volatility });
      } else if (low < 0.6 * model.start || high > 1.6 * model.start) {
        misses.push({ currency, start: model.start, low, high });
      }
    }
    expect(misses).toEqual([]);
  });
});

const GOLDEN_EUR = {
  currency: 'EUR',
  source: 'simulator',
  points: [
    { date: '2024-03-14', rate: 1.17513 },
    { date: '2024-03-15', rate: 1.18069 },
    // Monday: no rates at the weekend.
    { date: '2024-03-18', rate: 1.17325 },
  ],
};
const GOLDEN_JPY = { date: '2024-03-14', rate: 0.00669748 };
