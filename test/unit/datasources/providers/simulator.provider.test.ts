import { SimulatorProvider } from '../../../../src/datasources/providers/simulator/simulator.provider';
import { UNIVERSE } from '../../../../src/datasources/providers/simulator/universe';
import type { FinancialStatement } from '../../../../src/domain/market';

const FRIDAY_AFTERNOON = new Date('2026-11-20T18:00:00Z');
const simulator = () => new SimulatorProvider({ now: () => FRIDAY_AFTERNOON });

describe('SimulatorProvider', () => {
  it('lists at least 60 real tickers plus SPY, with names, sectors, countries and exchanges', async () => {
    const symbols = SimulatorProvider.symbols();
    expect(symbols.length).toBeGreaterThanOrEqual(61);
    expect(symbols).toContain('SPY');
    const profiles = await simulator().profiles(symbols);
    expect(profiles.size).toBe(symbols.length);
    for (const profile of profiles.values()) {
      expect(profile.name).toBeTruthy();
      expect(profile.exchange).toBeTruthy();
      expect(profile.sector).toBeTruthy();
      expect(profile.country).toMatch(/^[A-Z]{2}$/);
    }
    expect(new Set([...profiles.values()].map((p) => p.country)).size).toBeGreaterThan(5);
  });

  it('is deterministic: the same bars on every instance and machine (golden values)', async () => {
    const [a, b] = [simulator(), simulator()];
    const range = { from: '2020-01-02', to: '2020-01-03' };
    expect(await a.history('AAPL', range)).toEqual(await b.history('AAPL', range));
    // Recorded once; a change here means every user's history changed.
    expect((await a.history('AAPL', range))![0]).toEqual({
      date: '2020-01-02',
      open: 125.2947,
      high: 125.4443,
      low: 121.9389,
      close: 122.7048,
      adjClose: 29.432089,
      volume: 127451311,
    });
  });

  it('has more than five years of weekday bars ending at the last closed session', async () => {
    const bars = (await simulator().history('MSFT', { from: '1900-01-01', to: '2100-01-01' }))!;
    expect(bars.length).toBeGreaterThan(5 * 250);
    expect(bars[0].date).toBe('2019-01-02');
    expect(bars[bars.length - 1].date).toBe('2026-11-19');
    for (const bar of bars) {
      expect(new Date(`${bar.date}T00:00:00Z`).getUTCDay() % 6).not.toBe(0);
      expect(bar.low).toBeLessThanOrEqual(Math.min(bar.open, bar.close));
      expect(bar.high).toBeGreaterThanOrEqual(Math.max(bar.open, bar.close));
      expect(bar.low).toBeGreaterThan(0);
    }
  });

  it('drops the price by the ratio on split days and adjusts earlier closes for it', async () => {
    const provider = simulator();
    expect(await provider.splits('AAPL')).toEqual([{ date: '2020-08-31', ratio: 4 }]);
    const bars = (await provider.history('AAPL', { from: '2020-08-28', to: '2020-08-31' }))!;
    const [before, after] = bars;
    expect(after.close / before.close).toBeGreaterThan(0.2);
    expect(after.close / before.close).toBeLessThan(0.3);
    // Adjusted closes carry no jump: their day-over-day move equals the raw move x 4.
    expect(after.adjClose / before.adjClose).toBeCloseTo((after.close / before.close) * 4, 4);
  });

  it('pays growing quarterly dividends to payers, reduces adjClose by them, and none to non-payers', async () => {
    const provider = simulator();
    const dividends = (await provider.dividends('KO'))!;
    expect(dividends.length).toBeGreaterThanOrEqual(7 * 4);
    const byYear = new Map<string, number>();
    for (const d of dividends)
      byYear.set(d.exDate.slice(0, 4), (byYear.get(d.exDate.slice(0, 4)) ?? 0) + d.amount);
    expect(byYear.get('2025')!).toBeGreaterThan(byYear.get('2020')!);
    expect(await provider.dividends('TSLA')).toEqual([]);

    const { exDate, amount } = dividends[4];
    const bars = (await provider.history('KO', { from: '2019-01-01', to: exDate }))!;
    const [previous, exDay] = bars.slice(-2);
    expect(exDay.date).toBe(exDate);
    expect(previous.adjClose / previous.close).toBeCloseTo(
      (exDay.adjClose / exDay.close) * (1 - amount / previous.close),
      6,
    );
  });

  it('has 5 annual and 8 quarterly statements that agree', async () => {
    const provider = simulator();
    const annual = (await provider.statements('AAPL', 'ANNUAL'))!;
    const quarterly = (await provider.statements('AAPL', 'QUARTERLY'))!;
    expect(annual.map((s) => s.fiscalYear)).toEqual([2025, 2024, 2023, 2022, 2021]);
    expect(quarterly.map((s) => `${s.fiscalYear}${s.period}`)).toEqual([
      '2025Q4',
      '2025Q3',
      '2025Q2',
      '2025Q1',
      '2024Q4',
      '2024Q3',
      '2024Q2',
      '2024Q1',
    ]);
    const flows: Array<keyof FinancialStatement> = [
      'revenue',
      'netIncome',
      'operatingCashFlow',
      'capitalExpenditure',
      'freeCashFlow',
      'dividendsPaid',
    ];
    for (const year of annual.slice(0, 2)) {
      const quarters = quarterly.filter((q) => q.fiscalYear === year.fiscalYear);
      for (const flow of flows) {
        expect(quarters.reduce((sum, q) => sum + (q[flow] as number), 0)).toBe(year[flow]);
      }
      const q4 = quarters.find((q) => q.period === 'Q4')!;
      expect(q4.totalAssets).toBe(year.totalAssets);
      expect(q4.date).toBe(`${year.fiscalYear}-12-31`);
    }
    for (const statement of annual) {
      expect(statement.freeCashFlow).toBe(
        statement.operatingCashFlow! + statement.capitalExpenditure!,
      );
      expect(statement.grossProfit!).toBeLessThan(statement.revenue!);
    }
    expect(await provider.statements('SPY', 'ANNUAL')).toEqual([]);
  });

  it('quotes from the last close, moving through the session, and holds still at weekends', async () => {
    const quote = (await simulator().quotes(['NVDA'])).get('NVDA')!;
    const lastBar = (await simulator().history('NVDA', {
      from: '2026-11-19',
      to: '2026-11-19',
    }))![0];
    expect(quote.previousClose).toBe(lastBar.close);
    expect(quote.change).toBeCloseTo(quote.price - quote.previousClose, 3);
    expect(quote.source).toBe('simulator');
    expect(quote.marketCap).toBe(
      Math.round(quote.price * UNIVERSE.get('NVDA')!.sharesMillions * 1e6),
    );
    const later = new SimulatorProvider({
      now: () => new Date(FRIDAY_AFTERNOON.getTime() + 10_000),
    });
    expect((await later.quotes(['NVDA'])).get('NVDA')!.price).not.toBe(quote.price);

    const saturday = new SimulatorProvider({ now: () => new Date('2026-11-21T18:00:00Z') });
    const weekend = (await saturday.quotes(['NVDA'])).get('NVDA')!;
    expect(weekend.previousClose).toBe(
      (await saturday.history('NVDA', { from: '2026-11-20', to: '2026-11-20' }))![0].close,
    );
    expect(weekend.price).toBe(weekend.previousClose);
  });

  it('answers unknown symbols as missing or null', async () => {
    const provider = simulator();
    expect((await provider.quotes(['AAPL', 'NOPE'])).has('NOPE')).toBe(false);
    expect(await provider.history('NOPE', { from: '2020-01-01', to: '2020-12-31' })).toBeNull();
    expect(await provider.statements('NOPE', 'ANNUAL')).toBeNull();
    expect(await provider.dividends('NOPE')).toBeNull();
  });

  it('searches symbols and names, best match first', async () => {
    const results = await simulator().search('micro', 5);
    expect(results.map((r) => r.symbol)).toEqual(expect.arrayContaining(['MSFT', 'AMD']));
    expect((await simulator().search('T', 3))[0].symbol).toBe('T');
    expect(await simulator().search('   ', 5)).toEqual([]);
  });
});
